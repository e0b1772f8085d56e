"""The bilingual cue lexicon (English, Québec French), one entry per signal.

Patterns run on normalised text (lowercase, no accents, no punctuation, numbers as digits), and
both languages are always searched: Québec callers mix them ("achète des gift cards"). Spellings
tolerate common speech-to-text splits ("any desk", "team viewer", "bit coin", "n i p"). Weights are
log-odds; see :mod:`.risk` for how they combine.
"""

from __future__ import annotations

from typing import Final

from runtime.screening.cues import Cue, Group, cue

__all__ = ["LEXICON"]


def _gap(words: int) -> str:
    """Up to ``words`` arbitrary words, for STT filler and free word order."""
    return rf"(?:\w+ ){{0,{words}}}"


G2, G3, G4 = _gap(2), _gap(3), _gap(4)
_YOUR = r"(?:your|votre|ton|ta|tes|vos|the|le|la|les|this|ce|cette)"
_ASK = (
    r"(?:ask|asks|asking|request|demander|demande|demanderons|demanderont|demanderai|demandera"
    r"|exiger|exigera|exigerons|call|appeler|appellerons|contact|contacter)"
)
_PRIVATE_ITEMS = (
    r"(?:pin|nip|codes?|password|mot de passe|numbers?|numeros?|cards?|cartes?|sin|nas|information"
    r"|informations|renseignements|details|banking|bancaires|payment|paiement|money|argent"
    r"|gift|cadeaux?|bitcoin|crypto|transfer|virement|access|acces)"
)

_CARDS = (
    r"(?:gift ?cards?|gif cards?|cartes? (?:\w+ )?cadeaux?|cartes? (?:\w+ )?prepayees?|prepaid"
    r" (?:cards?|visa|master ?card)|google play(?: cards?)?|i ?tunes(?: cards?)?|apple (?:gift )?"
    r"cards?|steam (?:cards?|wallet)|vanilla (?:visa|cards?)|amazon (?:gift )?cards?|ebay cards?"
    r"|best buy cards?|sephora cards?|cartes? (?:google play|i ?tunes|apple|steam|vanilla|amazon))"
)

_AUTHORITY = (
    cue(
        "bank",
        Group.AUTHORITY,
        0.5,
        r"(?:your|votre|ta) (?:bank|banque|caisse|credit union)",
        r"(?:fraud|security|securite|fraudes?) (?:department|team|service|departement|division)",
        r"(?:service|departement|equipe) (?:de |des |d )?(?:la )?(?:fraudes?|securite)",
        r"desjardins|rbc|td|banque nationale|bmo|scotia ?bank|cibc|royal bank|banque royale"
        r"|banque de montreal|tangerine|visa|master ?card|american express|amex",
        r"(?:fraud|security) (?:prevention|protection|alert|monitoring)"
        r"|(?:barclays|hsbc|tsb|natwest|lloyds|santander|halifax|chase|wells fargo|citi ?bank"
        r"|capital one|bank of america) (?:\w+ )?(?:bank|fraud|security|team|department)",
    ),
    cue(
        "investigator",
        Group.AUTHORITY,
        0.9,
        r"investigators?|enqueteur|enqueteuse|investigation|enquete (?:interne|en cours|secrete)",
        r"(?:help|aider|aidiez|assist|collaboration|collaborer) (?:\w+ ){0,4}(?:investigation"
        r"|enquete"
        r"|catch|attraper|arreter|piege)",
    ),
    cue(
        "police",
        Group.AUTHORITY,
        0.8,
        r"police|policier|policiere|cops?|flics?|rcmp|grc|gendarmerie|surete du quebec|sq|spvm"
        r"|officer|sergeant"
        r"|sergent|constable|detective|agent (?:de police|federal)|badge (?:number|numero)"
        r"|numero de badge|matricule",
    ),
    cue(
        "government",
        Group.AUTHORITY,
        0.7,
        r"cra|canada revenue|revenue canada|agence du revenu|revenu quebec|arc|irs|service canada"
        r"|immigration|ministere|ministry|government|gouvernement|federal|tax office|impots?"
        r"|border services|douanes canadiennes|asfc|cbsa|hmrc|revenue and customs"
        r"|social security (?:administration|office|department)|ssa|medicare"
        r"|department of (?:justice|treasury|revenue|homeland security|social)|crime agency"
        r"|(?:federal|government|state) (?:agency|department|officer|grant)|legal department"
        r"|securite sociale|assurance emploi|prestations? (?:du gouvernement|gouvernementales?)",
        # Tax and police agencies as speech recognisers spell them ("HM Revenue & Customs").
        r"(?:hm|her majesty s|inland|inline) revenue|revenue (?:and |n )?customs?"
        r"|national crime agency|(?:us |united states |federal )?marshals? service|fbi"
        r"|federal bureau|drug enforcement|homeland security|ministry of justice"
        r"|ministere (?:de la justice|du revenu)|agence des services frontaliers"
        r"|(?:bureau|service) (?:federal|des enquetes)",
    ),
    # An official file opened on the person: a case, its number, its officer. Weak alone (real
    # help desks give case numbers), it is the setup of the government-impersonation call.
    cue(
        "case_file",
        Group.AUTHORITY,
        0.5,
        r"(?:case|file|docket|reference) (?:officer|number|id|file|reference|worker)s?"
        r"|(?:your|the|a) case (?:against|registered|filed|pending|opened)"
        r"|(?:numero|no) (?:de |du )?(?:dossier|cas|reference)"
        r"|(?:agent|agente|officier|responsable) (?:\w+ )?(?:de|du) (?:votre |ton )?dossier"
        r"|(?:votre|ton) dossier (?:criminel|fiscal|judiciaire|au nom)",
    ),
    cue(
        "tech_company",
        Group.AUTHORITY,
        0.5,
        r"microsoft|windows|apple support|amazon|geek squad|norton|mcafee",
        r"(?:support|soutien|service|departement) (?:technique|informatique)|technical support"
        r"|tech support|help desk|(?:fournisseur|provider) (?:internet|d internet)"
        r"|internet (?:provider|service)",
        r"norton|lifelock|avast|geek squad|paypal|amazon (?:prime|customer|support|account|refund)"
        r"|(?:refund|billing|cancellation|technical|network|tech|security|support) (?:department"
        r"|team|center|centre|executive|specialist)|customer (?:support|care) (?:department|team"
        r"|executive|representative)|support (?:center|centre)|account support",
        # A service sold for the person's computer: what refund scams offer to cancel or refund.
        rf"(?:services?|subscription|protection|support|maintenance|plan) {G3}(?:for|to|on|of|in)"
        r" (?:your|votre|ton) (?:computer|pc|laptop|devices?)|(?:technical|tech) services?"
        rf"|(?:services?|abonnement|protection|soutien|entretien|forfait) {G3}(?:de|pour|sur)"
        r" (?:votre|ton) (?:ordinateur|ordi|appareil|pc)|services? techniques?",
    ),
    cue(
        "support_line",
        Group.AUTHORITY,
        0.7,
        r"(?:thank you|thanks|thank u|merci) (?:so much )?(?:for|d) (?:calling|getting connected"
        r"|connecting|contacting|appeler|avoir appele) (?:\w+ ){0,4}(?:support|service|department"
        r"|amazon|microsoft|apple|windows|paypal|norton|mcafee|geek squad|refund|billing"
        r"|cancellation"
        r"|technical|soutien|remboursement|facturation)",
        r"(?:you ve|you have|you re|you are|vous etes) (?:been )?(?:successfully )?"
        r"(?:connected|through)"
        r" (?:\w+ ){0,2}(?:to|with|a|au) (?:the |our |le |la )?(?:\w+ ){0,3}(?:support|department"
        r"|team|service|representative|agent)",
    ),
    cue(
        "utility",
        Group.AUTHORITY,
        0.4,
        r"hydro|hydro quebec|electricite|electricity|electric company|energir|gas company"
        r"|power company|compagnie d electricite",
    ),
    cue(
        "clergy",
        Group.AUTHORITY,
        0.4,
        r"priest|pastor|parish|father \w+ from|cure|pretre|pasteur|paroisse|reverend",
    ),
    cue(
        "lawyer",
        Group.AUTHORITY,
        0.6,
        r"lawyer|attorney|avocat|avocate|notaire|public defender|judge|juge|courthouse"
        r"|palais de justice|tribunal",
    ),
)

_PROBLEM = (
    cue(
        "account_problem",
        Group.PROBLEM,
        0.7,
        r"suspicious (?:transactions?|activity|purchases?|charges?|login|withdrawals?)",
        r"(?:transactions?|achats?|retraits?) (?:suspects?|suspectes?|frauduleux|frauduleuses?"
        r"|non autorisee?s?)",
        r"activite (?:suspecte|inhabituelle|frauduleuse)|unauthori[sz]ed",
        rf"(?:account|card|compte|carte) {G3}(?:compromised|compromise?|compromis|hacked|pirate"
        r"|piratee|frozen|gele)",
        rf"(?:someone|somebody|quelqu un) {G2}(?:used|is using|using|utilise|a utilise) {_YOUR}"
        r" (?:card|account|carte|compte|identity|identite)",
        r"fraud on your|fraude sur (?:votre|ton)|unusual (?:activity|transactions?|purchases?"
        r"|charges?|login)",
        rf"(?:order|commande|purchase|achat|charge) {G4}(?:on|sur) (?:your|votre|ton) (?:account"
        r"|compte|card|carte)",
    ),
    cue(
        "identity_problem",
        Group.PROBLEM,
        1.2,
        rf"(?:sin|social insurance number|nas|numero d assurance sociale|social security number"
        rf"|ssn|identity|identite) {G4}(?:suspend|compromis|compromised|bloque|blocked|frozen"
        r"|used|utilise|fraudulent|frauduleu|illegal|linked|lie|associe|criminal|criminel)\w*",
        r"identity theft|vol d identite|usurpation d identite",
        rf"(?:national insurance|social security|insurance number|benefits?|prestations?"
        rf"|numero d assurance) {G4}(?:suspend|compromis|compromised|bloque|blocked|frozen|fraud"
        r"|illegal|criminal|criminel|on hold|cancel|annul|terminat|stopped|coupe)\w*",
    ),
    cue(
        "computer_problem",
        Group.PROBLEM,
        1.0,
        r"virus|viruses|malware|logiciel malveillant|spyware|logiciel espion|hackers?|pirates"
        r"|intrusion|intrus"
        r"|infected|infecte|infectee",
        rf"(?:computer|ip address|router|modem|ordinateur|ordi|adresse ip|routeur) {G4}(?:hacked"
        r"|compromised|sending|errors?|pirate\w*|compromis\w*|envoie|erreurs?|attack|attaque)",
        rf"(?:licen[cs]e|protection|antivirus|anti virus|security software) {G3}expir\w*",
        rf"(?:screen|computer|laptop|device|system|ordinateur|ecran|router|routeur|ip address)"
        rf" {G4}(?:locked|blocked|frozen|hacked|infected|bloque|verrouille|gele|malfunction\w*)",
        r"error (?:screen|message|code)|pop ?ups?|trojan|spy ?wear|firewall|security (?:alert"
        r"|warning|breach|message)|critical (?:alert|warning)|windows (?:warning|alert|defender)"
        r"|blue screen|alerte de securite|message d erreur|fenetre (?:d alerte|surgissante)",
        # The device fake support sites and tech-support lines "fix": printer, drivers, e-mail.
        rf"(?:printer|drivers?|e ?mail|gmail|outlook|imprimante|pilotes?|courriel) {G4}(?:errors?"
        r"|issues?|problems?|not working|offline|stopped working|erreurs?|problemes?"
        r"|ne fonctionne (?:pas|plus)|marche (?:pas|plus))",
        rf"(?:errors?|issues?|problems?|trouble|erreurs?|problemes?) {G3}(?:with|connecting to"
        r"|avec|de connexion a) (?:the |my |your |mon |ma |votre |l )?(?:printer|drivers?|e ?mail"
        r"|gmail|outlook|imprimante|pilotes?|courriel)|(?:not able to|unable to|can t|cannot) print"
        r"|(?:peux|pouvez|arrive) pas (?:a )?imprimer|impossible d imprimer",
    ),
    cue(
        "unwanted_order",
        Group.PROBLEM,
        1.0,
        rf"(?:placed|made|ordered|purchased|order of|order for|purchase of|purchase for) {G4}"
        r"(?:iphone|i phone|macbook|mac book|laptop|playstation|television|gift card|ipad|airpods?"
        r"|air pods?|samsung)",
        rf"(?:order|purchase|transaction|charge|payment|invoice) {G4}(?:on|from|in|to|through)"
        r" (?:your|votre|the) (?:amazon|paypal|apple|card|account|bank|compte|carte)",
        rf"(?:did you|have you|you didn t|you did not|vous avez|avez vous) {G2}(?:place|placed|made"
        r"|make|authori[sz]ed?|order|ordered|passe|fait|autorise) (?:this|the|that|any|cet|cette"
        r"|la|le) (?:order|purchase|transaction|payment|commande|achat|transaction|paiement)",
        r"(?:you have been|you ve been|you were|you will be|you ll be|vous avez ete|vous serez"
        r"|we have|we ve) (?:successfully |automatically )?(?:charged|billed|debited|deducted"
        r"|facture|facturee|preleve|prelevee|debite|debitee)",
        r"(?:auto|automatic) (?:renewal|debit|renew)|(?:renewed|renouvele) (?:your|votre)"
        r"|pre ?(?:approved|authori[sz]ation|authori[sz]ed) (?:transaction|charge|payment|on)"
        r"|commande (?:\w+ ){0,3}(?:sur|de|a) (?:votre|ton) (?:compte|carte|nom)"
        r"|achat (?:non autorise|frauduleux|de \d+)|cancel (?:the|this|that|your) (?:order"
        r"|subscription|transaction|payment|charge)|annuler (?:la|cette|votre) (?:commande"
        r"|transaction|abonnement)",
        # The order or charge as the call reports it: placed by someone, denied by the person.
        r"(?:purchase|order|achat|commande) (?:(?:has|have) (?:just )?been|is being|a ete"
        r"|vient d etre) (?:made|placed|done|processed|approved|authori[sz]ed|shipped"
        r"|passee?|effectuee?|faite?|autorisee?|approuvee?|expediee?)",
        rf"(?:someone|somebody|quelqu un) {G2}(?:placed|made|ordered|passe|fait|commande)"
        r" (?:an? |une? )?(?:order|purchase|commande|achat)",
        r"(?:didn t|did not|never|haven t|have not|wasn t|was not) (?:order|ordered|purchase"
        r"|purchased|authori[sz]e|authori[sz]ed|place|placed) (?:this|that|it|these|them"
        r"|the order|the purchase|on my)",
        r"(?:n ai|n avons|ai|avons) (?:jamais|pas) (?:commande|autorise|passe) (?:ca|cela|cette"
        r"|ce|cet|ces|de commande)",
        rf"(?:order|purchase|transaction|charge|invoice) {G4}(?:on|from|in|through) (?:my|mon|ma)"
        r" (?:amazon|paypal|apple|ebay|microsoft|compte amazon|compte paypal)",
        r"(?:i m|i am|i was|you re|you are|you were|we re|we are|we were) (?:getting|being)"
        r" (?:charged|billed|debited)|(?:on me|ils me|vous me|on m a|ils m ont"
        r"|vous m avez) (?:facture|preleve|debite|charge)",
        # French as a recorded notice says it: what was bought, on whose account, the denial.
        rf"(?:achat|commande) (?:d une?|de|d) {G3}(?:iphone|i phone|macbook|ordinateur|portable"
        r"|playstation|television|tele|cartes? cadeaux?|ipad|tablette|console|cellulaire)",
        r"(?:a ete|ont ete|vient d etre|viennent d etre) (?:passee?s?|effectuee?s?|faite?s?"
        r"|autorisee?s?|portee?s?|facturee?s?) (?:sur|avec|dans|a partir de) (?:votre|ton)"
        r" (?:compte|carte)",
        r"(?:vous|tu) n (?:avez|as) (?:pas|jamais) (?:fait|passe|autorise|effectue|commande)"
        r" (?:cet|cette|ce|la|le|ces) (?:achats?|commandes?|transactions?|paiements?)",
        r"(?:sera|seront|va etre|vont etre) (?:preleve|debite|facture)e?s? (?:de|sur|a|dans)"
        r" (?:votre|ton) (?:compte|carte)|abonnement (?:a ete|est|vient d etre) (?:renouvele"
        r"|prolonge)",
    ),
    cue(
        "warranty",
        Group.PROBLEM,
        1.0,
        r"(?:vehicle|car|auto|automobile|extended|manufacturer s|factory|home) (?:\w+ )?warranty"
        r"|warranty (?:\w+ ){0,3}(?:expir\w*|cut ?off|renew\w*|extend\w*)|vehicle service"
        r"|garantie (?:prolongee|du (?:fabricant|manufacturier)|de (?:votre |ton )?(?:vehicule"
        r"|voiture|auto|char))",
    ),
    cue(
        "refund_pretext",
        Group.PROBLEM,
        0.8,
        r"refunds?|refunded|remboursements?|faire rembourser|trop rembourse|overpaid|overpayment"
        r"|(?:renewed|renouvele|renouvelle) automatiquement|(?:auto|automatically) renew\w*"
        # Compensation claims for mis-sold insurance ("PPI") and the like, owed to the person.
        r"|(?:ppi|payment protection|mis ?sold|missold) (?:\w+ )?(?:insurance|compensation|claims?"
        r"|refunds?)|(?:your|votre|ton) (?:compensation|indemnisation|dedommagement)"
        r"|abonnement (?:s est )?renouvele|subscription (?:has |was )?renewed",
        r"(?:compensation|dedommagement|indemnisation) (?:\w+ ){0,3}(?:claim|owed|due|entitled"
        r"|eligible|payment|reclamer|droit)|(?:you re|you are|vous etes) (?:entitled|eligible"
        r"|admissible)"
        r" (?:to|for|a) (?:a |an |une |un )?(?:refund|compensation|grant|remboursement|rembourse)",
    ),
    cue(
        "arrest_bail",
        Group.PROBLEM,
        1.3,
        r"(?:been|got|i m|je suis|j ai ete|on m a|il a ete|elle a ete|he s been|she s been|was)"
        r" (?:\w+ )?(?:arrested|arrete|arretee|detained|detenu|detenue|in custody|en detention)",
        r"in jail|en prison|au poste|in custody|bail|caution|cautionnement|mise en liberte"
        r"|holding me|locked (?:me )?up|m ont enferme|me gardent|let me out|me laisser sortir",
    ),
    cue(
        "emergency",
        Group.PROBLEM,
        0.6,
        r"car accident|accident (?:de voiture|d auto|de char)|had an accident|eu un accident"
        r"|(?:i m|i am|je suis|j suis) (?:in (?:big |a lot of )?trouble|dans le (?:trouble|petrin)"
        r"|dans la marde|mal pris|mal prise|en (?:gros )?probleme)",
        r"(?:j ai|i have|i got) (?:des |de gros |big |serious )?(?:problemes|troubles?)",
        rf"(?:can t|cannot|peux pas|pas) {G2}(?:access|acces a|avoir acces a|get to|toucher a) {G2}"
        r"(?:my|mon|mes) (?:money|argent|funds|fonds|account|compte|savings)",
        r"(?:got|get|been) (?:in|into) a (?:fight|brawl)|bagarre|(?:took|taken|seized|lost|stole)"
        r" (?:my|mon) (?:passport|wallet|phone)|(?:pris|vole|perdu|saisi) mon (?:passeport"
        r"|portefeuille)",
        r"(?:won t|will not|don t|wont) let me (?:leave|go|out)|(?:me laissent|laissent) pas"
        r" (?:partir|sortir)|(?:stuck|coince|coincee|bloque|bloquee) (?:here|ici)",
    ),
    cue(
        "verification_pretext",
        Group.PROBLEM,
        0.6,
        rf"(?:verify|confirm|verifier|confirmer|valider) {G2}(?:your|votre|ton) (?:identity"
        rf"|identite)"
        rf"|(?:make sure|sure|sur|certain) {G4}(?:real|vraie? personne|real person)"
        rf"|(?:update|updating|mettre a jour|met a jour|upgrade|upgrading) {G2}(?:your|votre|ton)"
        r" (?:\w+ )?(?:file|dossier|account|compte|sim)|(?:by mistake|par erreur)",
    ),
    cue(
        "guess_who",
        Group.PROBLEM,
        0.7,
        r"guess who|devine qui|(?:grandma|grandpa|grand maman|grand papa|grand mere|grand pere"
        rf"|mamie|papi|nana|granny) {G3}(?:it s me|its me|c est moi|cest moi)",
        rf"(?:it s|its|c est|cest) (?:me|moi) {G2}(?:your|ton|ta|votre) (?:grandson|granddaughter"
        r"|grand son|petit fils|petite fille|favorite)",
        r"you don t recognize my voice|tu reconnais pas ma voix|tu ne reconnais pas ma voix",
    ),
    cue(
        "impersonation_hint",
        Group.PROBLEM,
        0.6,
        r"(?:my|ma|mon) (?:voice|voix|nose|nez) (?:\w+ ){0,3}(?:broken|casse|cassee|weird|bizarre"
        r"|different|differente)",
        r"(?:new|nouveau) (?:phone|number|cellulaire|numero|cell)",
    ),
)

_THREAT = (
    cue(
        "legal_threat",
        Group.THREAT,
        1.4,
        r"(?:arrest|arrestation) warrant|warrant (?:for|out for)|mandat d (?:arrestation|amener)"
        r"|mandat (?:contre vous|a votre nom|emis)",
        rf"(?:you will|you ll|you re going to|vous allez|vous serez|tu vas|tu seras) {G2}(?:be "
        r"arrested|be deported|go to (?:jail|prison)|etre arrete|etre arretee|arrete|arretee"
        r"|deporte|deportee|expulse|poursuivi|en prison|sued|lose your)",
        rf"police {G2}(?:will|va|vont|is|sont|are) {G2}(?:come|coming|venir|arriver|show up"
        r"|presenter|en route|on (?:their|the) way)",
        rf"(?:avoid|eviter|prevent) {G2}(?:arrest|arrestation|prison|jail|poursuites?|charges)"
        r"|(?:be|get|etre) arrested",
        r"lawsuit|poursuite (?:judiciaire|contre vous)|legal action|recours (?:judiciaire|legal)"
        r"|criminal charges|accusations? criminelles?|charges against you|tax evasion"
        r"|(?:registered|lodged|filed|pending|issued) against (?:you|your name)"
        r"|(?:criminal|legal|court) case (?:\w+ ){0,3}against (?:you|your name)"
        r"|fraude fiscale|evasion fiscale",
        r"legal (?:proceedings|case|notice)|case (?:has been |was )?filed|(?:local )?(?:police"
        r"|authorities|sheriff) (?:\w+ ){0,3}(?:arrest|custody|warrant)|law enforcement"
        r"|federal (?:crime|case|charges)|(?:arrested|deported|expulse|arrete) (?:\w+ ){0,3}"
        r"(?:within|today|aujourd hui)|enforcement (?:action|officers?)",
        # Court talk aimed at the person: a criminal file, a lawyer to defend them, a summons.
        r"criminal (?:lawyer|attorney|case|investigation|complaint|charges?|record|offen[cs]e)"
        r"|represent you (?:\w+ ){0,3}(?:court|courthouse|tribunal|hearing)"
        r"|court (?:hearing|date|summons|appearance)|summons|subpoena"
        r"|(?:citation|assignation) a comparaitre|comparaitre (?:devant|au|a la)"
        r"|avocat (?:criminaliste|de la defense)|casier judiciaire|dossier criminel"
        r"|plainte (?:criminelle|au criminel|deposee contre vous)",
    ),
    cue(
        "disconnection",
        Group.THREAT,
        1.2,
        rf"(?:power|electricity|service|hydro|courant|electricite|chauffage|heat|heating|gas|gaz"
        rf"|internet|phone line|ligne) {G3}(?:cut off|cut|disconnected|shut off|shut down|coupe"
        r"|coupee|couper|interrompu|interrompue|debranche|suspendu|suspended|terminated)",
        rf"(?:cut|disconnect|shut off|couper|couperons|interrompre|debrancher) {G3}(?:power"
        r"|electricity|service|courant|electricite|hydro)",
        rf"(?:internet|broadband|line|number|numero|phone|telephone|account|compte|service"
        rf"|connection|connexion) {G4}(?:terminated|disconnected|cut off|shut down|blocked"
        r"|deactivated|resilie|desactive|bloque)",
        rf"(?:disconnect|terminat|shut|suspend|block)\w* {G4}(?:within|in|dans|d ici)"
        r" (?:the next )?"
        r"(?:\d+|24|48|2) (?:hours?|minutes?|heures?)",
    ),
    cue(
        "overdue",
        Group.THREAT,
        0.7,
        r"collection agency|collections department|agence de recouvrement|recouvrement"
        r"|overdue (?:bill|balance|account|payment)|past due|solde (?:en souffrance|impaye|du)"
        r"|compte en souffrance|factures? (?:impayees?|en retard|en souffrance)|unpaid (?:bill"
        r"|balance)"
        r"|back taxes|taxes impayees|owe (?:\w+ ){0,3}(?:taxes|\d+ dollars)|vous devez \d+",
    ),
    cue(
        "suspension",
        Group.THREAT,
        0.8,
        r"(?:will be|is being|has been|sera|va etre|est|will get) (?:\w+ )?(?:suspended|suspendu"
        r"|suspendue|closed|ferme|fermee|desactive|desactivee|deactivated|cancelled|canceled"
        r"|annule|annulee|frozen|gele|gelee|blocked|bloque|bloquee)",
        r"suspension de (?:votre|ton)|(?:frozen|gel de) (?:vos|your) (?:assets|avoirs|comptes?)",
    ),
)

_LURE = (
    cue(
        "prize",
        Group.LURE,
        1.3,
        # "won" but not "won t" (won't: normalised text has no apostrophes).
        rf"(?:you ve|you have|you|vous avez|tu as|vous etes|you re|you are) {G2}(?:won(?! t\b)"
        r"|gagne|gagnee|remporte|the (?:lucky )?winner|le gagnant|la gagnante|selected"
        r"|selectionne)",
        r"grand prize|grand prix|gros lot|lottery|loterie|sweepstakes?|jackpot|prize money"
        r"|tiree? au sort|drawn|concours|claim your (?:prize|reward)|reclamer (?:votre|ton) prix"
        r"|prix en argent|lucky winner|heureux gagnant|heureuse gagnante|tirage",
    ),
    cue(
        "rate_reduction",
        Group.LURE,
        0.9,
        # The "cardholder services" robocall: a lower rate or debt relief, for a fee or card data.
        rf"(?:qualify|qualified|eligible|approved) {G2}(?:for )?(?:a |an )?(?:lower|reduced|zero|0"
        r"|low) (?:\w+ )?(?:interest|rate|apr)",
        r"cardholder services|card member services|(?:credit card|card) services (?:department"
        r"|team)|interest rate reduction|(?:lower|reduce) your (?:credit card )?interest rate"
        r"|debt relief program|student loan forgiveness",
        # Debt-help cold calls: a "programme" that wipes or merges what the person owes.
        r"debt (?:helpline|relief|consolidation|management|solution)s?|unsecured debts?"
        r"|(?:write|wipe|cancel) off (?:\w+ ){0,2}debts?"
        r"|(?:effacer|eponger|consolider|regrouper) (?:vos |tes |toutes vos )?dettes"
        r"|(?:allegement|effacement|consolidation|regroupement) (?:de |des )?dettes?",
        rf"(?:admissible|eligible|qualifie|qualifiee) {G2}(?:a |pour )?(?:un )?"
        r"(?:taux (?:d interet )?(?:plus bas|reduit|reduits)|reduction de (?:votre )?taux)",
        r"(?:reduire|baisser) (?:votre|vos) taux d interet",
    ),
    cue(
        "endearment",
        Group.LURE,
        0.3,
        r"my (?:love|darling|dear|sweetheart)|sweetheart|mon amour|ma cherie|mon cheri|mon coeur"
        r"|i love you|je t aime|soul ?mate|ame soeur|baby|beautiful|gorgeous|ma belle",
    ),
    cue(
        "remote_romance",
        Group.LURE,
        1.1,
        r"oil rig|plateforme petroliere|deployed|deploye|deployee|(?:military|militaire) (?:\w+ )?"
        r"(?:mission|base|overseas)|peacekeeping|casques? bleus?|stuck (?:in|overseas|abroad)"
        r"|coince (?:a|en|au)|bloque (?:a l etranger|au|en)|overseas|a l etranger",
        rf"(?:never|pas encore|jamais) {G2}(?:met|rencontre|rencontres|vu en personne)"
        rf"|(?:we|on) {G2}(?:finally|enfin) {G2}(?:meet|se voir|se rencontre\w*|together|ensemble)"
        r"|meet (?:you )?in person|(?:rencontrer|voir) en personne"
        # Not "see you in person": what a doctor says about the next appointment.
        rf"|(?:rencontre\w*|meet|voir) {G2}(?:en personne|in person)"
        rf"|(?:finally|enfin) {G2}(?:meet|rencontre\w*|together|ensemble|se voir)"
        r"|(?:when|quand) (?:we|on) (?:finally |va enfin )?(?:meet|se voir|se rencontrer)"
        r"|(?:met|rencontre|rencontres) (?:on|sur) (?:facebook|instagram|internet|le site|the site"
        r"|a dating|un site)|dating (?:site|app)|site de rencontres?",
    ),
    cue(
        "investment",
        Group.LURE,
        1.2,
        r"guaranteed (?:returns?|profits?|income|gains?)|returns? (?:are )?guaranteed"
        r"|rendements? garantis?|profits? garantis?|gains? garantis?|garanti a \d+"
        r"|double your (?:money|investment)|doubler (?:votre|ton) (?:argent|placement"
        r"|investissement)",
        rf"\d+ percent {G3}(?:return|profit|per (?:month|week)|par (?:mois|semaine)|rendement)"
        r"|(?:your|vos|votre|ton|tes|a|un) (?:profits?|gains|earnings)"
        r"|trading|forex|investment group|groupe d investissement|trading platform"
        r"|plateforme (?:de |d )?(?:trading|placement|investissement|echange)"
        r"|investment opportunity|occasion d investissement|opportunite (?:unique|d investissement)"
        r"|risk free|sans (?:aucun )?risque|no risk|aucun risque|get in (?:early|now)"
        r"|places? limitees?|limited (?:spots|places|time offer)|account manager"
        r"|gestionnaire de compte",
    ),
)

_PRESSURE = (
    cue(
        "urgency",
        Group.PRESSURE,
        0.8,
        r"right (?:now|away)|immediately|immediatement|tout de suite|drette la|asap"
        r"|as soon as possible|au plus vite|le plus vite possible|urgent|urgente|urgence"
        r"|last chance|derniere chance|no time|pas le temps|hurry|depeche|depechez"
        r"|within (?:the )?(?:next )?(?:\d+ )?(?:hours?|minutes?)|dans les (?:\d+ )?prochaines?"
        r" (?:heures?|minutes?)|d ici (?:\d+ )?(?:heures?|minutes?|ce soir|midi)|avant (?:ce soir"
        r"|midi|minuit|la fin de la journee)|before (?:tonight|noon|midnight|the end of the day)"
        r"|time is running out|temps presse",
        r"(?:final|last|second) (?:notice|attempt|warning|reminder)|(?:dernier|avis) (?:avis|final)"
        r"|before we close (?:the|your) (?:file|case)|(?:avant de|before) (?:fermer|closing)"
        r" (?:votre|le|your|the) dossier|courtesy call|appel de courtoisie",
    ),
    cue(
        "stay_on_line",
        Group.PRESSURE,
        1.2,
        r"(?:don t|dont|do not) hang up|stay on the (?:line|phone)|keep (?:me|this call|the line)"
        r" (?:on|open)|(?:ne )?(?:raccrochez|raccroche) pas|restez (?:en ligne|au telephone|sur la"
        r" ligne)|reste (?:en ligne|au telephone|sur la ligne)|garde(?:z)? la ligne",
    ),
)

_SECRECY = (
    cue(
        "secrecy",
        Group.SECRECY,
        1.6,
        rf"(?:don t|dont|do not|not to|can t|cannot) (?:tell|say|mention|talk to|speak to|discuss"
        rf"|call"
        rf"|inform) {G3}(?:anyone|anybody|mom|dad|mother|father|your (?:family|kids|children"
        r"|wife|husband|son|daughter|bank|parents)|the (?:bank|teller|family)|them)",
        r"(?:dis|dites|dit) (?:le |l )?(?:pas|a personne|rien)|dis (?:le )?pas"
        r"|ne (?:le |l |lui |leur |en )?(?:dis|dites|dit|parlez|parle) (?:pas|rien|a personne"
        r"|jamais)"
        r"|(?:parlez|parle|parles) (?:en )?(?:a personne|pas a)"
        r"|(?:parle|parlez|parles) pas (?:de (?:\w+ ){0,2})?(?:a|aux) (?:tes|vos|ta|ton|personne"
        r"|ses)|en parlez? (?:a personne|pas)"
        r"|personne (?:doit|ne doit|peut|ne peut) (?:le )?savoir",
        r"keep (?:this|it|that) (?:\w+ )?(?:between us|secret|quiet|confidential|to yourself)"
        r"|between you and me|entre (?:nous deux|vous et moi|toi et moi)|our (?:little )?secret"
        r"|notre (?:petit )?secret|tell no one|nobody (?:can|must|should) know|gag order"
        r"|ordonnance de (?:non publication|confidentialite|silence)|baillon|top secret",
    ),
    cue(
        "confidential",
        Group.SECRECY,
        0.6,
        r"confidential|confidentiel|confidentielle|confidentialite|discreet|discretion"
        r"|discret|discrete",
    ),
    cue(
        "coaching",
        Group.SECRECY,
        1.8,
        rf"(?:if|when|si|s) {G4}(?:ask|asks|demande|demandent|pose) {G4}(?:say|tell them|dites"
        r"|dis|repondez|reponds|answer)",
        r"(?:tell|say to) (?:them|the teller|the cashier|the bank|the clerk) (?:that )?(?:it s"
        r"|it is"
        r"|its|you re) (?:for|a gift|buying)",
        r"(?:dites|dis) (?:leur |lui |au caissier |a la caissiere |a la banque )?que c est (?:pour"
        r"|un cadeau)",
    ),
)

_TOPIC = (cue("gift_card_mention", Group.TOPIC, 0.6, _CARDS),)

_PAYMENT = (
    cue(
        "gift_cards",
        Group.PAYMENT,
        2.2,
        rf"(?<!ai )(?<!suis )(?:buy|get|purchase|pick up|grab|pay|paid|payment|paiement|acheter"
        rf"|achetez|achete|procurez|procurer|prenez|payer|payez|paye|regler|reglez|en) {_gap(6)}"
        rf"{_CARDS}",
        rf"{_CARDS} {G3}(?:to pay|pour payer|as payment|comme paiement|en paiement)",
        negatable=True,
    ),
    cue(
        "card_codes",
        Group.CREDENTIAL,
        2.0,
        rf"(?:read|give|tell|send|lisez|lis|lire|donnez|donne|donner|dites|dis|envoyez|envoie)"
        rf" (?:me |moi |nous |us )?{G3}(?:numbers|numeros|codes|nip|pins?|digits|chiffres) {G3}"
        r"(?:on the|at the|au|en|sur le|a l|de l) ?(?:back|dos|arriere|endos|verso)",
        rf"(?:scratch|gratter|grattez|gratte) {G3}(?:back|dos|arriere|bande|strip|silver|argent)",
        rf"(?:picture|photo|pic|snapshot)s? {G2}(?:of|des|de|du) (?:the |les |la |le )?(?:codes?"
        r"|cards?|cartes?|back|dos|numbers|numeros|receipts?|recus?)",
        negatable=True,
    ),
    cue(
        "crypto",
        Group.PAYMENT,
        1.8,
        r"bit ?coins?|crypto\w*|btc|ethereum|usdt|tether|guichet (?:automatique )?(?:bitcoin"
        r"|crypto)"
        r"|wallet address|adresse (?:du |de |de votre )?portefeuille|portefeuille (?:numerique"
        r"|crypto"
        r"|electronique)|code qr|qr code|coinbase|binance|kraken|shakepay|bitbuy",
        negatable=True,
    ),
    cue(
        "wire_transfer",
        Group.PAYMENT,
        1.4,
        r"western union|western onion|money ?gram|wire (?:transfer|the|a|it|me|us|them|\d+|money"
        r"|funds"
        r"|amount|payment)"
        r"|virement (?:telegraphique|international)|transfert d argent|money transfer|ria money"
        r"|envoi de fonds|mandat poste|money order",
        negatable=True,
    ),
    cue(
        "cash_withdrawal",
        Group.PAYMENT,
        1.4,
        rf"(?:withdraw|take out|retirer|retirez|retire|retires|sortir|sortez|sors) {G4}(?:cash"
        r"|comptant|argent|money|\d+ dollars|liquide|liquidites|savings|economies)",
        rf"(?:put|place|seal|mettez|mets|mettre|placez) {G4}(?:in|dans) (?:an |a |une |un )?"
        r"(?:envelope|enveloppe|box|boite|sac|bag)",
        rf"(?:envelope|enveloppe) {G3}(?:cash|argent|comptant|billets|bills)",
        negatable=True,
    ),
    cue(
        "courier_pickup",
        Group.PAYMENT,
        1.2,
        rf"(?:courier|coursier|coursiere|messager|messagere|agent|driver|chauffeur|someone|somebody"
        rf"|quelqu un|un de nos|one of our|representative|representant) {G4}(?:pick (?:it "
        rf"|them )?up"
        r"|come (?:by|and get|to get|to pick|get|collect)|collect|passer (?:le |la "
        r"|les )?(?:chercher"
        r"|prendre|recuperer)|chercher|recuperer|ramasser|come to your (?:door|house|home))",
        r"(?:at|a) (?:your|votre|ta) (?:door|porte)",
        rf"(?:will|va|vont|is going to|gonna|s en vient) {G2}(?:pick (?:it|them|up)|come (?:by|to"
        r" your|and get|get|pick)|collect|venir (?:chercher|prendre|recuperer)|passer (?:le |la"
        r" |les )?(?:chercher|prendre|recuperer))",
        negatable=True,
    ),
    cue(
        "safe_account",
        Group.PAYMENT,
        2.0,
        r"(?:safe|secure|secured|protected|temporary|safety) (?:\w+ )?account"
        r"|compte (?:\w+ )?(?:securise|protege|temporaire|de securite|de protection)",
        rf"(?:move|transfer|transferer|transferez|deplacer|deplacez|virer|virez) {G3}(?:money|funds"
        rf"|savings|argent|fonds|epargnes?|economies) {G4}(?:protect|proteger|safe|secur|abri)\w*",
        r"protect your (?:money|funds|savings)|proteger (?:votre|ton|vos) (?:argent|fonds"
        r"|epargnes?)",
        negatable=True,
    ),
    # Pay or else: the payment comes with the threat or the deadline (utility cut, arrest).
    cue(
        "pay_or_else",
        Group.PAYMENT,
        1.2,
        rf"unless (?:you |we receive (?:a |the |your )?)?(?:pay|payment|make {G2}payment)"
        rf"|(?:pay|payment) {G3}(?:within|in the next|dans les (?:prochaines )?) ?\d+ (?:minutes"
        r"|hours|heures)",
        rf"(?:a moins (?:de|que vous) (?:ne )?(?:payer|payiez|paye|fassiez {G2}paiement))"
        r"|(?:payer|payez|paiement) (?:\w+ ){0,3}(?:d ici|avant|dans les) (?:\w+ )?\d+ (?:minutes"
        r"|heures)",
        negatable=True,
    ),
    cue(
        "upfront_fee",
        Group.PAYMENT,
        1.5,
        r"(?:processing|release|customs|administration|admin|transfer|legal|handling|clearance"
        r"|activation|unlock|withdrawal) fees?|taxes? (?:on|sur) (?:your |votre |le |les )?(?:prize"
        r"|prix|lot|gain|gains|winnings)",
        r"frais (?:de |d )?(?:dossier|douane|traitement|administration|administratifs|transfert"
        r"|liberation|deblocage|avocat|retrait|activation|deblocage|dedouanement)",
        rf"(?:customs|douanes?) {_gap(6)}(?:fees?|frais|pay|payer)|(?:fees?|frais) {G3}"
        r"(?:customs|douanes?)",
        rf"(?:pay|payer|payez|paye) {G4}(?:to (?:receive|release|claim|collect|unlock|withdraw)"
        r"|pour (?:recevoir|reclamer|debloquer|liberer|toucher|retirer))",
        negatable=True,
    ),
    cue(
        "send_money",
        Group.PAYMENT,
        1.2,
        rf"(?:send|envoyer|envoie|envoyez|transfer|wire|lend|preter|prete|pretez) {G3}(?:money"
        r"|argent|cash|\d+ dollars|funds|fonds|\d+ piasses)",
        rf"(?:i|j|je) (?:need|ai besoin|aurais besoin) {G3}(?:\d+ dollars|money|argent|cash"
        r"|\d+ piasses|bail|caution)",
        r"(?:bail|caution|lawyer|avocat|hospital|hopital) (?:money|argent)|money for (?:the |my )?"
        r"(?:bail|lawyer|ticket|flight|hospital)|(?:argent|piasses|dollars) pour (?:la |payer la )?"
        r"(?:caution|avocat|billet)",
        rf"(?:want|wants|veut|veulent|need|needs|faut|demandent) {G3}\d+ (?:dollars|piasses)",
        rf"(?:help|aider|aides) {G3}(?:with |avec )?(?:the |le |mon |my |la )?(?:plane ticket"
        r"|billet d avion|flight|bail|caution|lawyer|avocat|fees|frais)",
        rf"(?:send|envoie|envoyez|give|donnez|donne) {G2}(?:money|argent) {G2}(?:to|a) (?:my|mon|ma"
        r"|notre|our) (?:colleague|collegue|agent|associate|associe|partner|partenaire|friend|ami)",
        r"pay (?:the|for the|my) (?:bail|lawyer|fine|ticket|customs|fees)"
        r"|payer (?:la |le |l |mon |ma |les )?(?:caution|avocat|amende|frais|billet)",
        negatable=True,
    ),
)

_CREDENTIAL = (
    cue(
        "one_time_code",
        Group.CREDENTIAL,
        2.2,
        r"(?:one time|verification|security|confirmation|authentication|validation|secret|access"
        r"|\d+ digit|activation|sms|text) (?:code|passcode|pin)|passcode",
        rf"(?:read|give|tell|lisez|lis|donnez|dites) {G3}(?:number|numero|code) (?:a |of )?\d+"
        r" (?:chiffres|digits?)|\d+ digit (?:number|code)|(?:numero|code) a \d+ chiffres"
        r"|code (?:de |d )?(?:verification|securite|confirmation|validation|activation|acces"
        r"|autorisation|a usage unique|a \d+ chiffres|secret|texto|recu|affiche)",
        rf"(?:read|give|tell|confirm|say|repeat|send|type|enter) {G3}(?<!postal )(?<!area )"
        r"(?<!zip )(?<!promo )codes?",
        rf"(?:code|codes|texto|text message|text|sms|message) {G4}(?:you (?:just )?(?:received|got"
        r"|get|will (?:get|receive))|vous (?:avez recu|venez de recevoir|allez recevoir|recevrez"
        r"|avez eu)|(?:tu|t) (?:as recu|vas recevoir|viens de recevoir|as eu))",
        rf"(?:donnez|donne|donner|lisez|lis|lire|dites|dis|dire|confirmez|confirme|confirmer|epelez"
        rf"|nommez|repetez|envoyez|tapez) (?:moi |nous |me |m |le |les |ce |ces )?{G3}"
        r"(?<!postal )codes?(?! postal)",
        rf"codes? {G3}(?:read|tell|give|repeat|lisez|lis|dites|donnez|repetez|confirmez)"
        r" (?:it|them|me|le|la|les|moi)",
        negatable=True,
    ),
    cue(
        "pin",
        Group.CREDENTIAL,
        2.2,
        r"pin|p i n|nip|n i p|numero d identification personnel|personal identification number"
        r"|mot de passe|mots de passe|password|passwords|pass word",
        negatable=True,
    ),
    cue(
        "sin_request",
        Group.CREDENTIAL,
        1.8,
        rf"(?:confirm|give|provide|verify|read|tell|need|donner|donnez|donne|confirmer|confirmez"
        rf"|fournir|fournissez|verifier|verifiez|valider|validez|besoin de) {G4}(?:sin|nas"
        r"|social insurance|social security|assurance sociale|ssn)",
        negatable=True,
    ),
    cue(
        "card_number",
        Group.CREDENTIAL,
        1.8,
        r"(?:card|carte) (?:\w+ )?(?:number|numbers|numero|numeros)(?! ending| se terminant"
        r"| finissant| qui finit)|numeros? (?:de |sur )?(?:votre |la |ta )?carte(?! se terminant)",
        rf"(?:\d+ )?(?:digits?|chiffres) {G3}(?:back|dos|endos|verso)|cvv|cvc|card security code"
        r"|date d expiration|expiry date|expiration date",
        negatable=True,
    ),
    cue(
        "bank_details",
        Group.CREDENTIAL,
        1.0,
        r"sort code|routing number|(?:bank |checking |savings )?account (?:number|details)"
        r"|numeros? de (?:compte|transit|succursale|institution)|(?:numero|coordonnees) bancaires?"
        r"|specimen de cheque",
        negatable=True,
    ),
    cue(
        "banking_login",
        Group.CREDENTIAL,
        1.8,
        rf"(?:online banking|accesd|acces d|banque en ligne|services bancaires en ligne) {G3}"
        r"(?:login|password|username|user name|credentials|identifiant|identifiants|code"
        r"|usager)",
        rf"(?:log|sign) (?:in|into|on) {G3}(?:your|votre) (?:bank|account|banque|compte)"
        rf"|connectez vous {G3}(?:compte|banque|accesd)|user ?name and password"
        rf"|(?:log|sign) (?:in|into|on)(?: to)? {G3}(?:online banking|bank|banking|account)"
        rf"|(?:open|ouvrez|ouvre|ouvrir|allez dans|va dans|access) {G3}(?:online banking"
        r"|banque en ligne|accesd|compte de banque en ligne|bank account)"
        r"|identifiants? (?:bancaires|de connexion)",
        negatable=True,
    ),
)

_REMOTE = (
    cue(
        "remote_access",
        Group.REMOTE,
        2.0,
        r"any ?desk|any desc|team ?viewer|ultra ?viewer|quick ?support|quick assist|supremo"
        r"|log ?me ?in|splashtop|rust ?desk|connect ?wise|screen ?connect|zoho assist",
        r"acces a distance|remote (?:access|control|desktop|session|connection)|prise de controle"
        r"|prendre (?:le )?controle|take (?:over|control)|controle a distance|connexion a distance"
        r"|(?:see|voir) (?:your|votre|ton) (?:screen|ecran)",
        rf"(?:connect|connecter|acceder|access|get into|log into|rentrer dans) {G3}(?:your|votre"
        rf"|ton)"
        r" (?:computer|ordinateur|ordi|pc|screen|ecran|laptop|portable)",
        negatable=True,
    ),
    cue(
        "computer_guidance",
        Group.REMOTE,
        1.2,
        # "your/the computer" (the one being taken over), not "sit in front of a computer".
        r"(?:in front of|devant) (?:your|the|votre|ton|l) (?:computer|laptop|pc|desktop"
        r"|ordinateur|ordi)",
        rf"(?:open|opened|ouvrez|ouvre|ouvrir|launch|go to|click on|cliquez sur) {G3}(?:google"
        r" chrome|chrome|browser|new tab|internet explorer|microsoft edge|navigateur|command prompt"
        r"|run box|windows key|event viewer|play store|app store|nouvel onglet)",
        rf"(?:turn on|switch on|allumez|allume|start) {G2}(?:computer|laptop|pc|ordinateur|ordi)"
        rf"|(?:make|brand) and model {G2}(?:computer|laptop|device)|windows (?:key|logo|button)"
        rf"|touche windows|(?:ready to connect|pret a (?:se )?connecter)",
        # Steering the person's keyboard; "making model" is how recognisers hear "make and model".
        r"(?:on|at) (?:your|votre|ton) (?:keyboard|clavier)|(?:control|ctrl|alt|shift|function"
        r"|fn) (?:key|button)s?|touches? (?:controle|ctrl|alt|majuscule|fonction)"
        rf"|making model {G2}(?:computer|laptop|device)|is (?:your|the) (?:computer|laptop) (?:on"
        r"|turned on|switched on)|(?:votre|ton) (?:ordinateur|ordi) est (?:allume|ouvert)"
        rf"|(?:marque|modele) {G3}(?:de|du) (?:votre|ton) (?:ordinateur|ordi|portable)",
        negatable=True,
    ),
    cue(
        "install_app",
        Group.REMOTE,
        0.8,
        rf"(?:download|install|telecharger|telechargez|telecharge|installer|installez|installe)"
        rf" {G4}(?:app|application|logiciel|software|program|programme|extension|tool|outil)",
        rf"(?:go to|allez sur|va sur|tapez|type in|type|ouvrez|open|click) {G3}(?:www|dot com"
        r"|point com|website|site|lien|link)",
        negatable=True,
    ),
)

_CALLBACK = (
    cue(
        "callback_number",
        Group.CALLBACK,
        0.4,
        rf"(?:call|calls|appelez|appelle|rappelez|rappelle|composez|compose|joindre|reach|dial)"
        rf" {G4}1?\d{{10}}",
        # A number read with pauses or written with dashes stays in groups of 3, 3 and 4 digits.
        rf"(?:call|calls|appelez|appelle|rappelez|rappelle|composez|compose|joindre|reach|dial)"
        rf" {G4}(?:1 )?\d{{3}} \d{{3}} \d{{4}}",
        r"(?:our|the|this|a|notre|le) toll free (?:number|line)|(?:at|on|to) (?:our|the) toll free"
        r"|(?:numero|ligne) sans frais",
    ),
)

_ROBOCALL = (
    cue(
        "ivr_prompt",
        Group.ROBOCALL,
        1.0,
        r"(?:press|pressing|pres) (?:the )?(?:number |key |button )?(?:\d|one|two|nine|zero)"
        r" (?:now|to|for|if|or|and|immediately)",
        r"(?:appuyez|appuyer|appuie|pesez|peser|pese|faites|faire|tapez|composez) (?:sur )?"
        r"(?:le |la )?(?:touche |carre |etoile )?(?:\d|un|deux|neuf|zero)"
        r" (?:pour|maintenant|si|ou|et)",
        # A prompt may end the recording (or the segment): only as a request ("please press 1"),
        # never "i ll just press one" (people on a call do press keys).
        r"(?:please|simply) (?:press|dial) (?:\d|one|two|nine|zero)$"
        r"|(?:appuyez|pesez|tapez|composez) (?:sur )?(?:le |la )?(?:touche )?(?:\d|un|deux|neuf)$",
    ),
    cue(
        "recorded_notice",
        Group.ROBOCALL,
        0.8,
        r"(?:this is|ceci est|c est) (?:a|an|un|une) (?:automated|recorded|pre recorded|important"
        r"|final|urgent|emergency|courtesy|message enregistre|appel automatise|avis important)"
        r"|dear (?:customer|user|client|valued customer)|cher client|chere cliente|chers clients",
        rf"(?:speak|talk|connect|be connected|parler) {G2}(?:to|with|a|avec) (?:an?|our|one of our"
        r"|un|une|l|notre|nos) (?:\w+ )?(?:officer|agent|representative|representatives|executive"
        r"|specialist|advisor|operator|department|agente|conseiller|conseillere|officier"
        r"|representant|representante|preposee?)",
        r"(?:to be |etre )?(?:removed|retire) (?:from|de) (?:our|the|notre|la) (?:\w+ )?(?:list"
        r"|liste)|(?:to|pour) (?:opt out|ne plus recevoir)",
    ),
    # The live part of a robocall scam starts when the person pressed 1 (or called back).
    cue(
        "robocall_followup",
        Group.ROBOCALL,
        0.8,
        r"(?:received|got|get|had) (?:an|a|our|the) (?:automated|recorded|pre recorded|robo)"
        r" ?(?:call|message|voice ?mail|notice)|(?:you|vous avez) (?:have )?(?:pressed|appuye"
        r"|pese) (?:sur )?(?:the )?(?:1|one|un|le 1)\b",
        r"(?:recu|eu) (?:un|le) (?:appel|message) (?:automatise|enregistre|automatique)",
    ),
    # The call-back half of a notice scam: someone reports the unsolicited call, text, voicemail
    # or pop-up that sent them here ("I got a message saying my account...", "asked to ring you").
    cue(
        "notice_followup",
        Group.ROBOCALL,
        0.8,
        r"(?:received|got|get|had|getting) (?:a |an |this |these |some )?(?:phone )?(?:call|message"
        r"|text|voice ?mail|notification|letter|email|pop ?up|alert)s? (?:\w+ ){0,4}(?:saying"
        r"|telling me|that said|about (?:my|your|you)|regarding (?:my|your)|from (?:this|your)"
        r" number|from you guys)",
        r"(?:said|says|saying|telling me|tells me) (?:that )?(?:it s|its|it is|it was|my \w+"
        r" (?:is|was|has)) (?:been )?(?:locked|blocked|hacked|infected)",
        r"(?:told|asked|instructed|directed) (?:me |us )?to (?:call|ring|phone|contact)"
        r" (?:you|back|this number|the number|that number)",
        # Someone returning a call they never expected: a missed call seen on their phone.
        r"(?:had|got|have|saw|see|noticed|there (?:was|were)) (?:a |an |\d+ |some |several )?"
        r"missed (?:phone )?calls?",
        rf"(?:recu|eu) (?:un|une|des|le|ce) (?:appel|message|texto|courriel|avis|lettre"
        rf"|notification|fenetre)s? {G4}(?:disant|qui disait|me disant|qui dit|concernant (?:mon"
        r"|ma|mes|votre)|au sujet de (?:mon|ma|mes|votre)|de ce numero)",
        r"(?:on m a|on m avait|il m a|elle m a) (?:dit|demande) de (?:rappeler|vous appeler"
        r"|appeler ce numero)",
        r"(?:eu|vu|recu|j ai|il y avait) (?:un |des |\d+ |plusieurs )?appels? manques?",
    ),
)

_MITIGATION = (
    cue(
        "never_asks",
        Group.MITIGATION,
        -1.8,
        rf"(?:never|jamais|will not|won t|wont|ne|n|pas) {G4}{_ASK} {G4}{_PRIVATE_ITEMS}",
        rf"{_ASK} (?:jamais|pas|never) {G4}{_PRIVATE_ITEMS}",
        rf"(?:never|jamais) {G3}(?:share|give|partagez|partager|donnez|donner|communiquez"
        rf"|divulguez|divulguer) {G4}{_PRIVATE_ITEMS}",
        rf"(?:ne|n) {G2}(?:partagez|donnez|communiquez|divulguez|partage|donne) {G4}"
        rf"{_PRIVATE_ITEMS} {G4}(?:personne|jamais)",
        rf"(?:don t|do not|dont) (?:share|give) {G3}{_PRIVATE_ITEMS} {G3}(?:anyone|anybody)",
    ),
    cue(
        "surprise",
        Group.MITIGATION,
        -1.2,
        r"(?:it s|its|c est|cest|c etait) (?:a |une )?surprise|surprise (?:party|birthday|gift)"
        r"|(?:party|fete|souper) surprise",
    ),
    cue(
        "official_callback",
        Group.MITIGATION,
        -1.5,
        rf"(?:number|numero) {G4}(?:back of|au dos|a l endos|endos|derriere|verso) {G3}(?:card"
        r"|carte)",
        rf"(?:hang up|raccrochez|raccroche) {G3}(?:and )?(?:call|appelez|appelle|rappelez|rappelle"
        r"|composez)",
        rf"(?:visit|go to|come to|passez|rendez vous|presentez vous) {G3}(?:branch|succursale"
        r"|caisse|agence|comptoir)",
        r"(?:official|officiel) (?:number|numero|website|site)|number on (?:your )?(?:statement"
        r"|bill|website)|numero (?:\w+ ){0,3}(?:releve|facture|site officiel)",
    ),
    cue(
        "self_initiated",
        Group.MITIGATION,
        -1.0,
        r"you (?:called|contacted|reached out to|emailed|wrote to) us|vous (?:nous )?avez"
        r" (?:appele|contacte|communique|ecrit)|tu (?:nous |m )?as (?:appele|ecrit)",
        r"(?:your|votre|ton) (?:ticket|support request|service request|request|demande"
        r"|billet|dossier numero|appointment|rendez vous|prescription|ordonnance|reservation"
        r"|repair|reparation)",
        r"as you requested|comme (?:vous l avez demande|convenu|demande)|suite a (?:votre|ton)"
        r" (?:demande|appel|message)|following up on your|returning your call|retour d appel"
        r"|you left (?:us |me )?a message|vous (?:m |nous )?avez laisse un message",
    ),
)

LEXICON: Final[tuple[Cue, ...]] = (
    *_AUTHORITY,
    *_PROBLEM,
    *_THREAT,
    *_LURE,
    *_PRESSURE,
    *_SECRECY,
    *_TOPIC,
    *_PAYMENT,
    *_CREDENTIAL,
    *_REMOTE,
    *_CALLBACK,
    *_ROBOCALL,
    *_MITIGATION,
)
