"""Legitimate scenarios of the development set, many of them hard negatives.

Real banks call about fraud, family talks about money, utilities announce outages, charities ask
for a card number, friends plan surprises "between us": the engine must not cry wolf on these.
Same beat format as :mod:`.scenarios_scam`.
"""

from __future__ import annotations

from typing import Final

__all__ = ["LEGIT"]

Beats = list[tuple[str, list[str]]]

_APPOINTMENT_EN: Beats = [
    (
        "C",
        [
            "Hi, this is the dental clinic reminding you of your cleaning on Monday at nine.",
            "Hello, this is Dr. Patel's office confirming your appointment Thursday at 2:15.",
            "Hello, it's the CLSC calling to reschedule your blood test.",
            "Hi, this is the eye clinic, your glasses are ready and your follow-up is next week.",
        ],
    ),
    ("P", ["Oh yes, thank you.", "Thursday works.", "Can we make it in the afternoon?", ""]),
    (
        "C",
        [
            "Please bring your health card and the list of your medications.",
            "Don't eat anything after midnight before the blood test.",
            "If you can't come, call us back at 514 555 0189.",
            "We have an opening on Wednesday at ten if that's better.",
            "",
        ],
    ),
    ("C", ["Have a nice day!", "See you then, bye.", ""]),
]

_APPOINTMENT_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici la clinique dentaire, on vous rappelle votre nettoyage lundi à neuf "
            "heures.",
            "Bonjour, ici le bureau du docteur Lavoie pour confirmer votre rendez-vous jeudi à 14 "
            "h "
            "15.",
            "Bonjour, c'est le CLSC, on vous appelle pour déplacer votre prise de sang.",
            "Bonjour, ici la clinique d'optométrie, vos lunettes sont prêtes.",
        ],
    ),
    ("P", ["Ah oui, merci.", "Jeudi c'est correct.", "On peut-tu le mettre en après-midi?", ""]),
    (
        "C",
        [
            "Apportez votre carte d'assurance maladie et la liste de vos médicaments.",
            "Faut rien manger après minuit avant la prise de sang.",
            "Si vous pouvez pas venir, rappelez-nous au 514 555 0189.",
            "On a une place mercredi à dix heures si c'est mieux.",
            "",
        ],
    ),
    ("C", ["Bonne journée!", "À la prochaine, bye.", ""]),
]

_FAMILY_EN: Beats = [
    (
        "C",
        [
            "Hi dad, it's Marie. I bought your tickets for the show, you can pay me back Sunday.",
            "Hey mom, can you lend me two hundred dollars for rent? I'll pay you back Friday.",
            "Grandma, I had a little fender bender with the car, nobody got hurt, insurance is "
            "taking care of it.",
            "Hi grandpa, it's Emma. Thanks for the birthday money, I bought a gift card for books.",
            "Hi mom, the roof guy says it's going to be 3000 dollars, can we split it like we "
            "said?",
        ],
    ),
    (
        "P",
        [
            "Sure honey.",
            "Of course, no problem.",
            "Oh good, as long as you're okay.",
            "We'll talk about it at supper.",
        ],
    ),
    (
        "C",
        [
            "You can send it by Interac, same email as usual.",
            "I'll come by Saturday with the kids.",
            "Don't tell Luc about the party, it's a surprise.",
            "Dad says hi, he's at the hockey game.",
            "",
        ],
    ),
    ("C", ["Love you, bye.", "Okay, talk to you later.", "Bye mom!", ""]),
]

_FAMILY_FR: Beats = [
    (
        "C",
        [
            "Salut papa, c'est Marie. Je t'ai acheté tes billets pour le spectacle, tu me "
            "rembourseras dimanche.",
            "Allô maman, peux-tu me prêter deux cents piasses pour le loyer? Je te remets ça "
            "vendredi.",
            "Grand-maman, j'ai eu un petit accrochage avec l'auto, personne de blessé, "
            "l'assurance s'en occupe.",
            "Allô grand-papa, c'est Emma. Merci pour l'argent de fête, je me suis acheté une carte "
            "cadeau pour des livres.",
            "Allô maman, le couvreur dit que ça va coûter 3000 $, on sépare comme on avait dit?",
        ],
    ),
    (
        "P",
        [
            "Ben oui ma belle.",
            "Certain, pas de problème.",
            "Tant que t'es correct.",
            "On s'en reparle au souper.",
        ],
    ),
    (
        "C",
        [
            "Tu peux me l'envoyer par Interac, même courriel que d'habitude.",
            "Je vais passer samedi avec les enfants.",
            "Dis-le pas à Luc pour le party, c'est une surprise.",
            "Papa te dit bonjour, il est à la game de hockey.",
            "",
        ],
    ),
    ("C", ["Je t'aime, bye.", "Ok, on se reparle.", "Bye maman!", ""]),
]

_BANK_LEGIT_EN: Beats = [
    (
        "C",
        [
            "Hello, this is the fraud prevention team at TD calling about your Visa card.",
            "Hi, this is an automated call from Desjardins card security.",
            "Good morning, I'm calling from RBC's fraud department about recent activity on your "
            "card.",
            "Hello, this is your bank calling to confirm some recent transactions.",
        ],
    ),
    (
        "C",
        [
            "We noticed a suspicious transaction of 400 dollars at an online store.",
            "There was an unusual purchase in Ontario yesterday evening.",
            "A charge of 89 dollars at a gas station was flagged by our system.",
        ],
    ),
    (
        "C",
        [
            "Did you make this purchase? Please answer yes or no.",
            "Can you confirm whether you authorized it?",
            "Was this you?",
        ],
    ),
    ("P", ["No, that wasn't me.", "Yes, that was me, I bought a gift.", "I don't think so."]),
    (
        "C",
        [
            "We've blocked the card and we'll mail you a new one within five business days.",
            "Thank you, the transaction is confirmed and your card stays active.",
            "We'll reverse the charge, you don't have to do anything.",
        ],
    ),
    (
        "C",
        [
            "We will never ask for your PIN or your passwords. If you have any doubts, hang up and "
            "call the number on the back of your card.",
            "Remember, we'll never ask you for a code or your PIN over the phone.",
            "If you want to verify this call, you can call us back at the number on the back of "
            "your card.",
            "",
        ],
    ),
]

_BANK_LEGIT_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici l'équipe de prévention de la fraude de la Banque TD au sujet de votre "
            "carte Visa.",
            "Bonjour, ceci est un appel automatisé de la sécurité des cartes Desjardins.",
            "Bonjour, je vous appelle du service des fraudes de la Banque Nationale à propos "
            "d'activités récentes sur votre carte.",
            "Bonjour, ici votre caisse, on vous appelle pour confirmer des transactions récentes.",
        ],
    ),
    (
        "C",
        [
            "On a remarqué une transaction suspecte de 400 $ dans une boutique en ligne.",
            "Il y a eu un achat inhabituel en Ontario hier soir.",
            "Une transaction de 89 $ dans une station-service a été signalée par notre système.",
        ],
    ),
    (
        "C",
        [
            "Avez-vous fait cet achat? Répondez oui ou non.",
            "Pouvez-vous confirmer si vous l'avez autorisé?",
            "Est-ce que c'était vous?",
        ],
    ),
    ("P", ["Non, c'est pas moi.", "Oui c'est moi, j'ai acheté un cadeau.", "Je pense pas."]),
    (
        "C",
        [
            "On a bloqué la carte et on vous en envoie une nouvelle par la poste d'ici cinq jours "
            "ouvrables.",
            "Merci, la transaction est confirmée et votre carte reste active.",
            "On va annuler la transaction, vous avez rien à faire.",
        ],
    ),
    (
        "C",
        [
            "On ne vous demandera jamais votre NIP ni vos mots de passe. Si vous avez un doute, "
            "raccrochez et appelez le numéro au dos de votre carte.",
            "Rappelez-vous qu'on vous demandera jamais de code ni de NIP au téléphone.",
            "Si vous voulez vérifier cet appel, rappelez-nous au numéro au dos de votre carte.",
            "",
        ],
    ),
]

_DELIVERY_EN: Beats = [
    (
        "C",
        [
            "Hi, this is Purolator, I'm outside with your package, is anyone home?",
            "Canada Post here, we tried to deliver a parcel, it's at the post office, bring ID.",
            "Hi, it's the driver from IKEA, I'll be there between two and four.",
            "Hello, this is the furniture store, the delivery is booked for tomorrow morning.",
        ],
    ),
    ("P", ["I'm coming down.", "Okay, thanks.", "Can you leave it with the neighbour?", ""]),
    (
        "C",
        [
            "The driver will come by tomorrow to pick up the return.",
            "There's nothing to pay, it's all covered.",
            "Someone needs to sign for it.",
            "I'll leave it at the back door.",
            "",
        ],
    ),
]

_DELIVERY_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici Purolator, je suis devant chez vous avec votre colis, y a-tu quelqu'un?",
            "Postes Canada, on a essayé de livrer un colis, il est au bureau de poste, apportez "
            "une "
            "pièce d'identité.",
            "Bonjour, c'est le livreur d'IKEA, je vais être là entre deux et quatre.",
            "Bonjour, ici le magasin de meubles, la livraison est prévue demain matin.",
        ],
    ),
    ("P", ["Je descends.", "Ok, merci.", "Pouvez-vous le laisser chez le voisin?", ""]),
    (
        "C",
        [
            "Le chauffeur va passer demain chercher le retour.",
            "Il y a rien à payer, tout est couvert.",
            "Quelqu'un doit signer.",
            "Je vais le laisser à la porte d'en arrière.",
            "",
        ],
    ),
]

_PHARMACY_EN: Beats = [
    (
        "C",
        [
            "Hello, this is the Jean Coutu pharmacy, your prescription is ready.",
            "Hi, it's Pharmaprix calling about your renewal.",
            "Hello, this is your pharmacist, I have a question about your new medication.",
        ],
    ),
    (
        "C",
        [
            "We can deliver it today, the delivery fee is five dollars.",
            "Can you confirm your date of birth?",
            "Your insurance covers the renewal, there's nothing to pay.",
            "Don't take it with grapefruit juice, okay?",
        ],
    ),
    ("P", ["Perfect, thank you.", "Yes, March 4th, 1946.", "I'll pick it up tomorrow.", ""]),
    ("C", ["Have a good day.", "If you have questions, call us back at 450 555 0134.", ""]),
]

_PHARMACY_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici la pharmacie Jean Coutu, votre prescription est prête.",
            "Bonjour, c'est Pharmaprix pour votre renouvellement.",
            "Bonjour, c'est votre pharmacienne, j'ai une question sur votre nouveau médicament.",
        ],
    ),
    (
        "C",
        [
            "On peut vous la livrer aujourd'hui, les frais de livraison sont de cinq dollars.",
            "Pouvez-vous me confirmer votre date de naissance?",
            "Votre assurance couvre le renouvellement, vous avez rien à payer.",
            "Prenez-le pas avec du jus de pamplemousse, ok?",
        ],
    ),
    ("P", ["Parfait, merci.", "Oui, le 4 mars 1946.", "Je vais passer demain.", ""]),
    ("C", ["Bonne journée.", "Si vous avez des questions, rappelez-nous au 450 555 0134.", ""]),
]

_UTILITY_LEGIT_EN: Beats = [
    (
        "C",
        [
            "Hello, this is Hydro-Québec with a message about planned work in your area.",
            "Hi, this is Energir customer service with a reminder about your account.",
            "This is the city of Laval, an automated message about water service.",
        ],
    ),
    (
        "C",
        [
            "Power will be interrupted Tuesday from nine to noon for maintenance.",
            "Your bill is available in your customer space, no action is needed.",
            "Water will be shut off on your street Thursday morning for repairs.",
            "Your equal payment plan is being adjusted, the new amount will be on your next bill.",
        ],
    ),
    (
        "C",
        [
            "You can pay online or at your bank as usual.",
            "We will never ask you to pay by gift card or over the phone.",
            "For more information visit our official website.",
            "",
        ],
    ),
]

_UTILITY_LEGIT_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici Hydro-Québec avec un message sur des travaux prévus dans votre secteur.",
            "Bonjour, ici le service à la clientèle d'Énergir, un rappel concernant votre compte.",
            "Ici la Ville de Laval, un message automatisé sur le service d'eau.",
        ],
    ),
    (
        "C",
        [
            "Le courant sera interrompu mardi de neuf heures à midi pour de l'entretien.",
            "Votre facture est disponible dans votre espace client, vous avez rien à faire.",
            "L'eau sera coupée dans votre rue jeudi matin pour des réparations.",
            "Votre mode de versements égaux est ajusté, le nouveau montant sera sur votre "
            "prochaine "
            "facture.",
        ],
    ),
    (
        "C",
        [
            "Vous pouvez payer en ligne ou à votre institution financière comme d'habitude.",
            "On ne vous demandera jamais de payer avec des cartes-cadeaux ni au téléphone.",
            "Pour plus d'informations, consultez notre site officiel.",
            "",
        ],
    ),
]

_CHARITY_EN: Beats = [
    (
        "C",
        [
            "Hi, I'm calling on behalf of the Heart and Stroke Foundation.",
            "Hello, this is the Red Cross, thank you for your support last year.",
            "Hi, I'm a volunteer with the Alzheimer Society.",
        ],
    ),
    (
        "C",
        [
            "Would you consider a donation this year?",
            "We're raising funds for families affected by the floods.",
            "We're organizing our annual walk in September.",
        ],
    ),
    ("P", ["I already gave at church.", "Maybe, how can I give?", "Not this year, sorry."]),
    (
        "C",
        [
            "You can give by credit card over the phone, or online on our website.",
            "No pressure at all, we can send you a form in the mail.",
            "If you'd like, I can take your card number now, or you can mail a cheque.",
            "",
        ],
    ),
    ("C", ["Thank you for your time and have a good evening.", ""]),
]

_CHARITY_FR: Beats = [
    (
        "C",
        [
            "Bonjour, je vous appelle au nom de la Fondation des maladies du coeur.",
            "Bonjour, ici la Croix-Rouge, merci pour votre appui l'an passé.",
            "Bonjour, je suis bénévole pour la Société Alzheimer.",
        ],
    ),
    (
        "C",
        [
            "Aimeriez-vous faire un don cette année?",
            "On amasse des fonds pour les familles touchées par les inondations.",
            "On organise notre marche annuelle en septembre.",
        ],
    ),
    (
        "P",
        [
            "J'ai déjà donné à l'église.",
            "Peut-être, comment je peux donner?",
            "Pas cette année, désolée.",
        ],
    ),
    (
        "C",
        [
            "Vous pouvez donner par carte de crédit au téléphone ou sur notre site web.",
            "Aucune pression, on peut vous envoyer un formulaire par la poste.",
            "Si vous voulez, je peux prendre votre numéro de carte maintenant, ou vous pouvez "
            "poster un chèque.",
            "",
        ],
    ),
    ("C", ["Merci de votre temps, bonne soirée.", ""]),
]

_SURVEY_EN: Beats = [
    (
        "C",
        [
            "Hello, I'm calling from Léger for a short survey about the municipal elections.",
            "Hi, this is a research firm doing a study on public transit.",
            "Good evening, we're conducting a short survey on health services in Quebec.",
        ],
    ),
    (
        "C",
        [
            "It takes about five minutes and your answers are confidential.",
            "Your answers are anonymous.",
            "Do you have a few minutes?",
        ],
    ),
    ("P", ["Sure, go ahead.", "Okay, quickly.", "I guess so."]),
    (
        "C",
        [
            "Which party do you intend to vote for?",
            "How often do you take the bus each week?",
            "On a scale of one to ten, how satisfied are you with your CLSC?",
        ],
    ),
    ("C", ["Thank you for your time.", "That's all, have a nice evening.", ""]),
]

_SURVEY_FR: Beats = [
    (
        "C",
        [
            "Bonjour, je vous appelle de Léger pour un court sondage sur les élections "
            "municipales.",
            "Bonjour, ici une firme de recherche qui fait une étude sur le transport en commun.",
            "Bonsoir, on fait un court sondage sur les services de santé au Québec.",
        ],
    ),
    (
        "C",
        [
            "Ça prend environ cinq minutes et vos réponses sont confidentielles.",
            "Vos réponses sont anonymes.",
            "Avez-vous quelques minutes?",
        ],
    ),
    ("P", ["Ben oui, allez-y.", "Ok, vite vite.", "J'imagine que oui."]),
    (
        "C",
        [
            "Pour quel parti avez-vous l'intention de voter?",
            "Combien de fois par semaine prenez-vous l'autobus?",
            "Sur une échelle de un à dix, êtes-vous satisfait de votre CLSC?",
        ],
    ),
    ("C", ["Merci de votre temps.", "C'est tout, bonne soirée.", ""]),
]

_TECH_LEGIT_EN: Beats = [
    (
        "C",
        [
            "Hi, this is Alex from Bell, returning your call about your slow internet.",
            "Hello, this is Videotron technical support following up on your service request.",
            "Hi, it's the Best Buy repair counter, you left us a message about your laptop.",
        ],
    ),
    (
        "C",
        [
            "You opened a ticket yesterday, number 48213.",
            "I see you called us on Monday about the Wi-Fi.",
            "Your laptop is repaired, the hard drive was fine.",
        ],
    ),
    ("P", ["Yes, thanks for calling back.", "Yes, it's still slow.", "Great news."]),
    (
        "C",
        [
            "Please restart your modem, unplug it for thirty seconds.",
            "A technician can come Friday between eight and noon.",
            "You can pick it up at the store any time before nine.",
            "If you agree, I can connect to your computer with our remote support tool to check "
            "the settings, you'll see everything I do.",
        ],
    ),
    ("C", ["We never ask for your passwords.", "Is there anything else I can help with?", ""]),
]

_TECH_LEGIT_FR: Beats = [
    (
        "C",
        [
            "Bonjour, c'est Alex de Bell, je vous rappelle pour votre internet qui est lent.",
            "Bonjour, ici le soutien technique de Vidéotron pour faire suite à votre demande de "
            "service.",
            "Bonjour, c'est le comptoir de réparation de Best Buy, vous nous avez laissé un "
            "message "
            "pour votre portable.",
        ],
    ),
    (
        "C",
        [
            "Vous avez ouvert un billet hier, le numéro 48213.",
            "Je vois que vous nous avez appelés lundi pour le Wi-Fi.",
            "Votre portable est réparé, le disque dur était correct.",
        ],
    ),
    ("P", ["Oui, merci de rappeler.", "Oui, c'est encore lent.", "Bonne nouvelle."]),
    (
        "C",
        [
            "Redémarrez votre modem, débranchez-le trente secondes.",
            "Un technicien peut passer vendredi entre huit heures et midi.",
            "Vous pouvez venir le chercher au magasin avant neuf heures.",
            "Si vous êtes d'accord, je peux me connecter à votre ordinateur avec notre outil de "
            "soutien pour vérifier les paramètres, vous allez voir tout ce que je fais.",
        ],
    ),
    (
        "C",
        [
            "On ne demande jamais vos mots de passe.",
            "Est-ce que je peux vous aider avec autre chose?",
            "",
        ],
    ),
]

_GOV_LEGIT_EN: Beats = [
    (
        "C",
        [
            "Hello, this is Service Canada calling about your pension application.",
            "Hi, this is the Régie de l'assurance maladie, about your card renewal.",
            "Hello, I'm calling from the Canada Revenue Agency about the documents you sent.",
        ],
    ),
    (
        "C",
        [
            "We received your documents, the file is complete.",
            "Your new card will arrive by mail in about three weeks.",
            "You'll receive your first payment next month by direct deposit.",
        ],
    ),
    ("P", ["Oh good, thank you.", "Do I need to do anything?", ""]),
    (
        "C",
        [
            "If you have questions, call us at the number on our official website.",
            "We will never ask for payment over the phone.",
            "You can also check your file in My Account online.",
            "",
        ],
    ),
]

_GOV_LEGIT_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici Service Canada au sujet de votre demande de pension.",
            "Bonjour, ici la Régie de l'assurance maladie pour le renouvellement de votre carte.",
            "Bonjour, je vous appelle de l'Agence du revenu du Canada pour les documents que vous "
            "avez envoyés.",
        ],
    ),
    (
        "C",
        [
            "On a bien reçu vos documents, le dossier est complet.",
            "Votre nouvelle carte va arriver par la poste d'ici trois semaines.",
            "Vous allez recevoir votre premier versement le mois prochain par dépôt direct.",
        ],
    ),
    ("P", ["Ah bon, merci.", "Est-ce que je dois faire quelque chose?", ""]),
    (
        "C",
        [
            "Si vous avez des questions, appelez-nous au numéro sur notre site officiel.",
            "On ne vous demandera jamais de paiement au téléphone.",
            "Vous pouvez aussi consulter votre dossier en ligne dans Mon dossier.",
            "",
        ],
    ),
]

_FRIEND_EN: Beats = [
    (
        "C",
        [
            "Hey Jeannine, it's Paulette! Guess what, I won fifty dollars at bingo last night.",
            "Hi, it's Gilles from the curling club, are you coming Thursday?",
            "Hello dear, it's Rita, I'm organizing a surprise party for Jean's seventieth.",
        ],
    ),
    ("P", ["Oh that's wonderful!", "I wouldn't miss it.", "Tell me more."]),
    (
        "C",
        [
            "Keep it secret, it's a surprise, don't tell Jean.",
            "We're all putting in twenty dollars for the gift.",
            "Bring your famous pie if you can.",
            "I'm going to the casino with my sister on Saturday, want to come?",
        ],
    ),
    ("C", ["Talk to you soon, bye!", "Okay, see you Thursday.", ""]),
]

_FRIEND_FR: Beats = [
    (
        "C",
        [
            "Allô Jeannine, c'est Paulette! Devine quoi, j'ai gagné cinquante piasses au bingo "
            "hier.",
            "Salut, c'est Gilles du club de curling, viens-tu jeudi?",
            "Allô ma belle, c'est Rita, j'organise un party surprise pour les soixante-dix ans de "
            "Jean.",
        ],
    ),
    ("P", ["Ben voyons, bravo!", "Je manquerais pas ça.", "Raconte!"]),
    (
        "C",
        [
            "Garde ça secret, c'est une surprise, dis-le pas à Jean.",
            "On met tous vingt dollars pour le cadeau.",
            "Apporte ta fameuse tarte si tu peux.",
            "Je m'en vais au casino avec ma soeur samedi, veux-tu venir?",
        ],
    ),
    ("C", ["On se reparle, bye!", "Ok, à jeudi.", ""]),
]

_ADVISOR_EN: Beats = [
    (
        "C",
        [
            "Hello, it's Nathalie, your financial advisor at the branch, time for our annual "
            "review.",
            "Hi, this is your investment advisor from the credit union.",
            "Good morning, this is your bank branch calling about your GIC.",
        ],
    ),
    (
        "C",
        [
            "Your GIC is maturing next month, the rate is 4 percent, guaranteed.",
            "Your RRSP did well this year, we could look at your contributions.",
            "Rates have gone up, it might be worth renewing for two years.",
        ],
    ),
    ("P", ["Okay, when can I come in?", "I'd like to think about it.", ""]),
    (
        "C",
        [
            "Come to the branch when it suits you, bring your latest statements.",
            "We can do it at your next appointment, no rush.",
            "I'll book you for Tuesday at ten, at the branch.",
        ],
    ),
]

_ADVISOR_FR: Beats = [
    (
        "C",
        [
            "Bonjour, c'est Nathalie, votre conseillère à la caisse, c'est le temps de notre "
            "révision annuelle.",
            "Bonjour, ici votre conseiller en placement de la banque.",
            "Bonjour, ici votre succursale au sujet de votre CPG.",
        ],
    ),
    (
        "C",
        [
            "Votre CPG arrive à échéance le mois prochain, le taux est de 4 %, garanti.",
            "Votre REER a bien fait cette année, on pourrait regarder vos cotisations.",
            "Les taux ont monté, ça vaudrait peut-être la peine de renouveler pour deux ans.",
        ],
    ),
    ("P", ["Ok, quand est-ce que je peux passer?", "Je vais y penser.", ""]),
    (
        "C",
        [
            "Passez à la caisse quand ça vous adonne, apportez vos derniers relevés.",
            "On peut faire ça à votre prochain rendez-vous, rien ne presse.",
            "Je vous inscris mardi à dix heures, à la succursale.",
        ],
    ),
]

_CONTRACTOR_EN: Beats = [
    (
        "C",
        [
            "Hi, it's Paul the plumber, I can come Thursday to fix the water heater.",
            "Hello, this is the snow removal company about your contract for the winter.",
            "Hi, it's Martin, the painter, about the estimate for your kitchen.",
        ],
    ),
    (
        "C",
        [
            "The estimate is 400 dollars, you can pay by cheque or e-transfer when the job's done.",
            "The contract is 350 dollars for the season, same as last year.",
            "I'll need a deposit of 100 dollars when I start, the rest at the end.",
        ],
    ),
    ("P", ["That's fine.", "Can you come in the morning?", ""]),
    ("C", ["I'll call you the day before.", "Have a good day!", ""]),
]

_CONTRACTOR_FR: Beats = [
    (
        "C",
        [
            "Salut, c'est Paul le plombier, je peux passer jeudi réparer le chauffe-eau.",
            "Bonjour, ici la compagnie de déneigement pour votre contrat d'hiver.",
            "Bonjour, c'est Martin le peintre, pour la soumission de votre cuisine.",
        ],
    ),
    (
        "C",
        [
            "La soumission est de 400 $, vous pouvez payer par chèque ou par virement quand la "
            "job est finie.",
            "Le contrat est de 350 $ pour la saison, comme l'an passé.",
            "Ça me prend un dépôt de cent dollars au début, le reste à la fin.",
        ],
    ),
    ("P", ["C'est correct.", "Pouvez-vous venir le matin?", ""]),
    ("C", ["Je vous appelle la veille.", "Bonne journée!", ""]),
]

LEGIT: Final[dict[str, dict[str, Beats]]] = {
    "appointment": {"en": _APPOINTMENT_EN, "fr": _APPOINTMENT_FR},
    "family": {"en": _FAMILY_EN, "fr": _FAMILY_FR},
    "bank_legit": {"en": _BANK_LEGIT_EN, "fr": _BANK_LEGIT_FR},
    "delivery": {"en": _DELIVERY_EN, "fr": _DELIVERY_FR},
    "pharmacy": {"en": _PHARMACY_EN, "fr": _PHARMACY_FR},
    "utility_legit": {"en": _UTILITY_LEGIT_EN, "fr": _UTILITY_LEGIT_FR},
    "charity": {"en": _CHARITY_EN, "fr": _CHARITY_FR},
    "survey": {"en": _SURVEY_EN, "fr": _SURVEY_FR},
    "tech_support_legit": {"en": _TECH_LEGIT_EN, "fr": _TECH_LEGIT_FR},
    "government_legit": {"en": _GOV_LEGIT_EN, "fr": _GOV_LEGIT_FR},
    "friend": {"en": _FRIEND_EN, "fr": _FRIEND_FR},
    "bank_advisor": {"en": _ADVISOR_EN, "fr": _ADVISOR_FR},
    "contractor": {"en": _CONTRACTOR_EN, "fr": _CONTRACTOR_FR},
}
