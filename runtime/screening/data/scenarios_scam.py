"""Scam scenarios of the development set, per typology and language.

Each scenario is a list of beats; a beat is a speaker (``C`` the caller, ``P`` the protected
person) and alternative wordings, one of which is drawn per call (an empty string skips the
beat). Wordings vary on purpose: the set measures typologies, not sentences.
"""

from __future__ import annotations

from typing import Final

__all__ = ["SCAMS"]

Beats = list[tuple[str, list[str]]]

_GRANDPARENT_EN: Beats = [
    (
        "C",
        [
            "Hi grandma, it's me.",
            "Grandpa? It's me, your grandson.",
            "Hey nana, guess who?",
            "Hi, it's me, your favorite grandson, don't you recognize my voice?",
            "Grandma, please, I need to talk to you, it's me.",
        ],
    ),
    (
        "P",
        [
            "Michael? Is that you?",
            "Oh hi sweetie, is that you Josh?",
            "Who is this?",
            "Kevin? You sound different.",
        ],
    ),
    (
        "C",
        [
            "Yeah it's me. I'm in big trouble, I was in a car accident and the police arrested me.",
            "I got into an accident last night and they say it was my fault, I'm at the police "
            "station.",
            "I'm in jail, I got pulled over and they found something in my buddy's car.",
            "I broke my nose in the crash so my voice sounds weird, and now they're holding me.",
            "Something really bad happened, I hit a pregnant lady with the car and they locked me "
            "up.",
        ],
    ),
    (
        "C",
        [
            "I need money for bail, it's 8000 dollars.",
            "The lawyer says we have to pay the bail today, it's $4,500.",
            "I need you to help me with the bail money, please.",
            "They want nine thousand five hundred dollars to let me out.",
            "I need to pay the lady's hospital bills or they'll press charges, it's $6,000.",
        ],
    ),
    (
        "C",
        [
            "Please don't tell mom and dad, they'll kill me.",
            "Promise me you won't tell anyone, not even dad.",
            "Don't say anything to the family okay, I'm so embarrassed.",
            "",
            "",
        ],
    ),
    (
        "C",
        [
            "I'm going to pass you my lawyer, he'll explain everything.",
            "This is Mr. Stevens, your grandson's lawyer. There is a gag order on the case so you "
            "cannot discuss it with anyone.",
            "Hello ma'am, I'm the public defender on your grandson's file.",
            "",
        ],
    ),
    (
        "C",
        [
            "Take the cash out of the bank and put it in an envelope, a courier will come by to "
            "get it.",
            "Go to the bank and withdraw the money, a man named Kevin will pick it up at your "
            "door.",
            "If the bank asks what it's for, tell them it's for home renovations.",
            "Can you send it by Western Union? I'll give you the name.",
            "Our clerk will come to your house this afternoon to collect the bail in cash.",
        ],
    ),
    ("P", ["Okay, I'll go to the bank.", "Oh dear, okay.", "How much again?", ""]),
]

_GRANDPARENT_FR: Beats = [
    (
        "C",
        [
            "Allô grand-maman, c'est moi!",
            "Grand-papa? C'est moi, ton petit-fils.",
            "Salut mamie, devine qui parle!",
            "Allo grand-mère c'est moi, tu reconnais pas ma voix?",
            "Grand-maman, c'est moi, écoute-moi, c'est important.",
        ],
    ),
    (
        "P",
        [
            "Julien? C'est toi?",
            "Ben voyons, c'est qui?",
            "Mon Dieu, qu'est-ce qui se passe?",
            "Alexandre? T'as une drôle de voix.",
        ],
    ),
    (
        "C",
        [
            "Oui c'est moi. J'ai eu un accident de char pis la police m'a arrêté.",
            "Je suis dans le trouble, j'ai eu un accident hier soir et là je suis au poste de "
            "police.",
            "J'suis en prison, ils ont trouvé de la drogue dans l'auto de mon chum.",
            "Je me suis cassé le nez dans l'accident, c'est pour ça que ma voix est bizarre, pis "
            "là ils me gardent en détention.",
            "Il m'est arrivé quelque chose de grave, j'ai frappé une madame avec l'auto pis ils "
            "m'ont enfermé.",
        ],
    ),
    (
        "C",
        [
            "J'ai besoin de huit mille piasses pour la caution.",
            "L'avocat dit qu'il faut payer la caution aujourd'hui, c'est 4 500 $.",
            "Faut que tu m'aides à payer la caution, s'il te plaît.",
            "Ils veulent neuf mille dollars pour me laisser sortir.",
            "Il faut payer les frais d'hôpital de la madame sinon elle porte plainte, c'est 6000 "
            "$.",
        ],
    ),
    (
        "C",
        [
            "Dis-le pas à maman, ok? Elle va capoter.",
            "Promets-moi que tu le diras à personne, même pas à papa.",
            "Parles-en à personne s'il te plaît, j'ai tellement honte.",
            "",
            "",
        ],
    ),
    (
        "C",
        [
            "Je te passe mon avocat, il va t'expliquer.",
            "Bonjour madame, ici maître Tremblay, l'avocat de votre petit-fils. Il y a une "
            "ordonnance de non-publication, vous ne pouvez en parler à personne.",
            "Bonjour, je suis l'avocat de la défense dans le dossier de votre petit-fils.",
            "",
        ],
    ),
    (
        "C",
        [
            "Allez retirer l'argent comptant à la banque et mettez-le dans une enveloppe, un "
            "coursier va passer le chercher.",
            "Va à la caisse retirer l'argent, un monsieur qui s'appelle Kevin va venir le chercher "
            "à ta porte.",
            "Si la caissière te demande c'est pour quoi, dis que c'est pour des rénovations.",
            "Peux-tu l'envoyer par Western Union? Je vais te donner le nom.",
            "Notre commis va passer chez vous cet après-midi récupérer la caution en argent.",
        ],
    ),
    ("P", ["Ok, je m'en vais à la banque.", "Ben voyons donc, correct.", "Combien déjà?", ""]),
]

_BANK_EN: Beats = [
    (
        "C",
        [
            "Good afternoon, this is Daniel from the fraud department at your bank.",
            "Hello, I'm calling from RBC security, my name is Sarah.",
            "Hi, this is the Desjardins fraud prevention team calling about your account.",
            "Hello ma'am, this is investigator Grant from the financial crimes unit, working with "
            "your bank.",
            "Good morning, this is Scotiabank's card services, do you have a moment?",
        ],
    ),
    ("P", ["Oh, okay.", "Is there a problem?", "Yes?", "What happened?"]),
    (
        "C",
        [
            "We've detected two suspicious transactions on your Visa, one at Walmart for 900 "
            "dollars.",
            "We believe an employee at your branch has been stealing from client accounts and we "
            "need your help with our investigation.",
            "Someone tried to withdraw three thousand dollars from your account in Toronto this "
            "morning.",
            "Your card was used to make unauthorized purchases online.",
            "There's been some unusual activity and we'd like to secure your account together.",
        ],
    ),
    (
        "C",
        [
            "To cancel the transactions I need to verify your card number and the PIN.",
            "You'll receive a text message with a code, please read it back to me so I can block "
            "the charges.",
            "We need you to withdraw cash so we can check the bills for serial numbers, an agent "
            "will pick it up at your home.",
            "To protect your savings we're going to move them to a secure account, I'll walk you "
            "through the transfer.",
            "I'll need you to hand your debit card to our courier, he'll be at your door in an "
            "hour, just write your PIN on a piece of paper.",
        ],
    ),
    (
        "C",
        [
            "This is a confidential investigation, so please don't discuss it with the tellers.",
            "Please stay on the line with me while we do this.",
            "We need to do this right away before they empty the account.",
            "",
            "Do not mention this to anyone at the branch, they may be involved.",
        ],
    ),
    ("C", ["Thank you for your cooperation.", "You're doing the right thing.", ""]),
]

_BANK_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici Daniel du service des fraudes de votre banque.",
            "Bonjour, je vous appelle de la sécurité Desjardins, mon nom est Sarah.",
            "Bonjour madame, c'est l'équipe de prévention de la fraude de la Banque Nationale.",
            "Bonjour, ici l'enquêteur Gagnon, je travaille avec votre caisse.",
            "Bonjour, service des cartes de la Banque de Montréal, avez-vous un moment?",
        ],
    ),
    ("P", ["Ah bon?", "Y a-tu un problème?", "Oui?", "Qu'est-ce qui se passe?"]),
    (
        "C",
        [
            "On a détecté deux transactions suspectes sur votre carte Visa, une de neuf cents "
            "dollars chez Walmart.",
            "On pense qu'un employé de votre succursale vole dans les comptes des clients, pis on "
            "a besoin de votre aide pour l'enquête.",
            "Quelqu'un a essayé de retirer trois mille dollars de votre compte à Toronto ce matin.",
            "Votre carte a servi à faire des achats non autorisés en ligne.",
            "Il y a eu de l'activité inhabituelle, on aimerait sécuriser votre compte ensemble.",
        ],
    ),
    (
        "C",
        [
            "Pour annuler les transactions, je dois vérifier votre numéro de carte et votre NIP.",
            "Vous allez recevoir un texto avec un code, lisez-le-moi pour que je bloque les "
            "transactions.",
            "Il faudrait retirer de l'argent comptant pour qu'on vérifie les numéros de série des "
            "billets, un agent va passer le chercher chez vous.",
            "Pour protéger vos économies, on va les transférer dans un compte sécurisé, je vais "
            "vous guider.",
            "Vous allez remettre votre carte de débit à notre messager, il sera chez vous dans une "
            "heure, écrivez votre NIP sur un papier.",
        ],
    ),
    (
        "C",
        [
            "C'est une enquête confidentielle, donc n'en parlez pas aux caissiers.",
            "Restez en ligne avec moi pendant qu'on fait ça.",
            "Il faut faire ça tout de suite avant qu'ils vident le compte.",
            "",
            "Ne dites rien à personne à la succursale, ils pourraient être impliqués.",
        ],
    ),
    ("C", ["Merci de votre collaboration.", "Vous faites la bonne chose.", ""]),
]

_GOV_EN: Beats = [
    (
        "C",
        [
            "This is an important message from the Canada Revenue Agency.",
            "Hello, I'm calling from Service Canada regarding your social insurance number.",
            "This is officer Brown with the RCMP.",
            "This is the CRA, we're calling about your tax return from last year.",
            "Hello, this is the Canada Border Services Agency, we intercepted a package in your "
            "name.",
        ],
    ),
    (
        "C",
        [
            "Your social insurance number has been suspended due to suspicious activity.",
            "There is a warrant for your arrest for tax evasion.",
            "We found a car rented in your name with drugs in it in Texas and your SIN is linked "
            "to "
            "it.",
            "You owe 4200 dollars in back taxes and penalties.",
            "The package contained illegal substances and your identity was used.",
        ],
    ),
    (
        "C",
        [
            "To avoid arrest you need to pay the balance today.",
            "If you don't settle this now, police officers will come to your house within the "
            "hour.",
            "You will be arrested and your assets frozen.",
            "We need to verify your identity, please confirm your social insurance number.",
            "This is your final notice before legal action.",
        ],
    ),
    (
        "C",
        [
            "You can pay with Bitcoin at the machine at your local convenience store.",
            "The payment must be made in Google Play cards.",
            "I'll send you a QR code, go to the Bitcoin ATM and deposit the amount.",
            "Please confirm your SIN and date of birth so we can issue you a new number.",
            "You'll need to wire the amount to our secure government account.",
        ],
    ),
    (
        "C",
        [
            "Do not hang up or the case goes to the judge.",
            "Don't discuss this with anyone, it's a federal matter.",
            "",
            "",
        ],
    ),
]

_GOV_FR: Beats = [
    (
        "C",
        [
            "Ceci est un message important de l'Agence du revenu du Canada.",
            "Bonjour, je vous appelle de Service Canada au sujet de votre numéro d'assurance "
            "sociale.",
            "Ici l'agent Bouchard de la GRC.",
            "Bonjour, ici Revenu Québec, on vous appelle pour votre déclaration de l'an dernier.",
            "Bonjour, ici l'Agence des services frontaliers, on a intercepté un colis à votre nom.",
        ],
    ),
    (
        "C",
        [
            "Votre numéro d'assurance sociale a été suspendu à cause d'activités suspectes.",
            "Il y a un mandat d'arrestation contre vous pour fraude fiscale.",
            "On a trouvé une voiture louée à votre nom avec de la drogue au Texas, et votre NAS "
            "est "
            "associé au dossier.",
            "Vous devez 4 200 $ en impôts impayés et en pénalités.",
            "Le colis contenait des substances illégales et votre identité a été utilisée.",
        ],
    ),
    (
        "C",
        [
            "Pour éviter l'arrestation, vous devez payer le solde aujourd'hui.",
            "Si vous ne réglez pas ça maintenant, des policiers vont se présenter chez vous dans "
            "l'heure.",
            "Vous allez être arrêté et vos avoirs seront gelés.",
            "On doit vérifier votre identité, confirmez-moi votre numéro d'assurance sociale.",
            "C'est votre dernier avis avant des poursuites judiciaires.",
        ],
    ),
    (
        "C",
        [
            "Vous pouvez payer en Bitcoin au guichet du dépanneur près de chez vous.",
            "Le paiement doit se faire en cartes Google Play.",
            "Je vous envoie un code QR, allez au guichet Bitcoin et déposez le montant.",
            "Confirmez votre NAS et votre date de naissance pour qu'on vous émette un nouveau "
            "numéro.",
            "Il faut faire un virement au compte sécurisé du gouvernement.",
        ],
    ),
    (
        "C",
        [
            "Ne raccrochez pas sinon le dossier s'en va devant le juge.",
            "N'en parlez à personne, c'est une affaire fédérale.",
            "",
            "",
        ],
    ),
]

_TECH_EN: Beats = [
    (
        "C",
        [
            "Hello, this is Microsoft technical support.",
            "Hi, I'm calling from the Windows security department.",
            "Hello, this is Apple support, we've detected a problem with your iCloud.",
            "This is the Geek Squad renewal department.",
            "Hi, I'm a technician from the computer help centre.",
        ],
    ),
    (
        "C",
        [
            "Your computer has been sending us error messages, it's infected with a virus.",
            "Hackers have access to your computer right now.",
            "Your protection has expired and your computer is at risk.",
            "We noticed your IP address has been compromised.",
            "Your subscription renewed automatically for 399 dollars, I'll help you get a refund.",
        ],
    ),
    (
        "P",
        ["Oh no, what do I do?", "I didn't notice anything.", "Okay, I'm at the computer now.", ""],
    ),
    (
        "C",
        [
            "I need you to go to www dot anydesk dot com and download the program.",
            "Please install TeamViewer so our technician can fix it.",
            "Open your browser and type in the website I give you, then read me the nine digit "
            "number.",
            "Let me connect to your computer to remove the virus.",
            "Download the support tool from the link, then I'll take control to clean it.",
        ],
    ),
    (
        "C",
        [
            "The repair fee is 299 dollars, you can pay with gift cards.",
            "Log into your online banking so I can process the refund.",
            "Now log into your bank account so I can see the refund we sent you.",
            "Oops, we refunded too much, you need to send back the difference by Bitcoin.",
            "",
        ],
    ),
    (
        "C",
        [
            "Don't turn off your computer and don't hang up.",
            "This has to be done right now or you'll lose all your files.",
            "",
            "",
        ],
    ),
]

_TECH_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici le soutien technique de Microsoft.",
            "Bonjour, je vous appelle du département de sécurité Windows.",
            "Bonjour, ici le support d'Apple, on a détecté un problème avec votre iCloud.",
            "Bonjour, ici le service de renouvellement de Geek Squad.",
            "Bonjour, je suis technicien au centre d'aide informatique.",
        ],
    ),
    (
        "C",
        [
            "Votre ordinateur nous envoie des messages d'erreur, il est infecté par un virus.",
            "Des pirates ont accès à votre ordinateur en ce moment.",
            "Votre protection est expirée pis votre ordinateur est à risque.",
            "On a remarqué que votre adresse IP a été compromise.",
            "Votre abonnement s'est renouvelé automatiquement pour 399 $, je vais vous aider à "
            "vous "
            "faire rembourser.",
        ],
    ),
    (
        "P",
        ["Ah non, qu'est-ce que je fais?", "J'ai rien remarqué.", "Ok je suis devant l'ordi.", ""],
    ),
    (
        "C",
        [
            "Allez sur www point anydesk point com et téléchargez le programme.",
            "Installez TeamViewer pour que notre technicien puisse réparer ça.",
            "Ouvrez votre navigateur pis tapez le site que je vous donne, ensuite lisez-moi le "
            "numéro à neuf chiffres.",
            "Laissez-moi me connecter à votre ordinateur pour enlever le virus.",
            "Téléchargez l'outil de soutien avec le lien, ensuite je vais prendre le contrôle pour "
            "le nettoyer.",
        ],
    ),
    (
        "C",
        [
            "Les frais de réparation sont de 299 $, vous pouvez payer avec des cartes-cadeaux.",
            "Connectez-vous à AccèsD pour que je traite le remboursement.",
            "Maintenant ouvrez votre compte de banque en ligne pour voir le remboursement.",
            "Oups, on vous a trop remboursé, il faut nous renvoyer la différence en Bitcoin.",
            "",
        ],
    ),
    (
        "C",
        [
            "Éteignez pas l'ordinateur et raccrochez pas.",
            "Il faut faire ça tout de suite sinon vous allez perdre tous vos fichiers.",
            "",
            "",
        ],
    ),
]

_REMOTE_EN: Beats = [
    (
        "C",
        [
            "Hello, this is your internet provider's technical service.",
            "Hi, this is the Bell technical department, calling about your internet.",
            "Hello, I'm calling from Videotron, there's a problem with your connection.",
            "Hi, network security here, we monitor the internet in your area.",
        ],
    ),
    (
        "C",
        [
            "Your modem has been hacked and criminals are using your connection.",
            "Someone is using your IP address to do illegal things.",
            "Your router is sending errors to our servers.",
            "We detected an intrusion on your home network.",
        ],
    ),
    ("P", ["Really? It works fine.", "What should I do?", ""]),
    (
        "C",
        [
            "Install the AnyDesk application and give me the code on your screen.",
            "Download the Quick Support app so I can see your screen.",
            "I need remote access to fix it, please download the app from the link I'm texting "
            "you.",
            "Type any desk in Google, install it and read me the nine numbers.",
        ],
    ),
    (
        "C",
        [
            "It only takes five minutes, stay on the line.",
            "",
            "We need to do this immediately, otherwise your internet will be cut off tonight.",
            "Now open your online banking so we can check that nothing was stolen.",
        ],
    ),
]

_REMOTE_FR: Beats = [
    (
        "C",
        [
            "Bonjour, ici le service technique de votre fournisseur internet.",
            "Bonjour, ici le département technique de Bell, on appelle pour votre internet.",
            "Bonjour, je vous appelle de Vidéotron, il y a un problème avec votre connexion.",
            "Bonjour, sécurité réseau, on surveille l'internet dans votre secteur.",
        ],
    ),
    (
        "C",
        [
            "Votre modem a été piraté et des criminels utilisent votre connexion.",
            "Quelqu'un utilise votre adresse IP pour faire des choses illégales.",
            "Votre routeur envoie des erreurs à nos serveurs.",
            "On a détecté une intrusion sur votre réseau à la maison.",
        ],
    ),
    ("P", ["Ah oui? Ça marche bien pourtant.", "Qu'est-ce que je dois faire?", ""]),
    (
        "C",
        [
            "Installez l'application AnyDesk et donnez-moi le code affiché à l'écran.",
            "Téléchargez l'application Quick Support pour que je voie votre écran.",
            "J'ai besoin d'un accès à distance pour régler ça, téléchargez l'appli avec le lien "
            "que "
            "je vous texte.",
            "Tapez any desk dans Google, installez-le pis lisez-moi les neuf chiffres.",
        ],
    ),
    (
        "C",
        [
            "Ça prend juste cinq minutes, restez en ligne.",
            "",
            "Il faut faire ça immédiatement, sinon votre internet va être coupé ce soir.",
            "Maintenant ouvrez votre banque en ligne pour vérifier que rien n'a été volé.",
        ],
    ),
]

_GIFT_EN: Beats = [
    (
        "C",
        [
            "This is the billing department, your account will be suspended today.",
            "Hi, this is Amazon, there's an order for an iPhone for 1200 dollars on your account.",
            "This is your phone company, your account has an unpaid balance.",
            "Hello, I'm calling from the collection agency about your overdue account.",
            "Hi, it's Father Paul from the parish, I need a small favour, are you busy?",
        ],
    ),
    ("P", ["I don't understand.", "I never ordered that.", "Okay, what do I need to do?", ""]),
    (
        "C",
        [
            "To keep it active, buy two Apple gift cards and read me the numbers on the back.",
            "To cancel the order, you need to buy Google Play cards at the pharmacy.",
            "You can settle it today with prepaid Visa cards, 500 each.",
            "Go to the store, get three Steam cards of two hundred and scratch the back.",
            "Could you pick up some iTunes cards for the sick children? I'll pay you back Sunday.",
        ],
    ),
    (
        "C",
        [
            "If the cashier asks, say they're a gift for your grandson.",
            "Call me back from the store, or better, don't hang up.",
            "",
            "",
            "Send me a picture of the codes once you have them.",
        ],
    ),
]

_GIFT_FR: Beats = [
    (
        "C",
        [
            "Ici le service de facturation, votre compte va être suspendu aujourd'hui.",
            "Bonjour, ici Amazon, il y a une commande d'un iPhone de 1200 $ sur votre compte.",
            "Ici votre compagnie de téléphone, votre compte a un solde impayé.",
            "Bonjour, je vous appelle de l'agence de recouvrement pour votre compte en souffrance.",
            "Bonjour, c'est le curé Paul de la paroisse, j'aurais un petit service à vous "
            "demander.",
        ],
    ),
    (
        "P",
        ["Je comprends pas.", "J'ai jamais commandé ça.", "Ok, qu'est-ce que je dois faire?", ""],
    ),
    (
        "C",
        [
            "Pour le garder actif, achetez deux cartes-cadeaux Apple et lisez-moi les numéros en "
            "arrière.",
            "Pour annuler la commande, il faut acheter des cartes Google Play à la pharmacie.",
            "Vous pouvez régler ça aujourd'hui avec des cartes Visa prépayées de 500 $ chacune.",
            "Allez au magasin, prenez trois cartes Steam de deux cents et grattez le dos.",
            "Pourriez-vous acheter des cartes iTunes pour les enfants malades? Je vous rembourse "
            "dimanche.",
        ],
    ),
    (
        "C",
        [
            "Si le caissier vous demande, dites que c'est un cadeau pour votre petit-fils.",
            "Rappelez-moi du magasin, ou mieux, raccrochez pas.",
            "",
            "",
            "Envoyez-moi une photo des codes quand vous les avez.",
        ],
    ),
]

_CRYPTO_EN: Beats = [
    (
        "C",
        [
            "Hi, it's Jessica from Elite Capital, we spoke last week about your retirement "
            "savings.",
            "Hello, my name is Mark, I'm an account manager with a trading platform.",
            "Good morning, I'm calling about the investment opportunity you saw on Facebook.",
            "Hi, it's Linda, your friend from the WhatsApp investment group.",
        ],
    ),
    (
        "C",
        [
            "How are you doing today? How's the weather in Montreal?",
            "I know you've worked hard for your savings, and the banks pay you nothing.",
            "My uncle taught me everything about trading, I'd love to share it with you.",
            "",
        ],
    ),
    ("P", ["I'm fine, thank you.", "That's true, the interest is terrible.", "Oh really?", ""]),
    (
        "C",
        [
            "Our clients are seeing twenty percent returns per month with our crypto trading.",
            "The returns are guaranteed, there's absolutely no risk.",
            "With just 250 dollars you can start, and our trading robot does the rest.",
            "Your account already shows a profit of three thousand dollars.",
            "I personally made a lot of money with this platform, I can show you how.",
        ],
    ),
    (
        "C",
        [
            "You just need to deposit through Bitcoin, I'll send you the wallet address.",
            "To withdraw your profits you need to pay the withdrawal fee first.",
            "Install this app so I can help you set up your account.",
            "Transfer the money from your bank to Coinbase and then to our platform.",
            "Send the money to my colleague and I'll put it on the platform for you.",
        ],
    ),
    (
        "C",
        [
            "Spots are limited, the offer closes tonight.",
            "Don't tell your bank, they don't like crypto and they'll block it.",
            "",
            "",
        ],
    ),
]

_CRYPTO_FR: Beats = [
    (
        "C",
        [
            "Bonjour, c'est Jessica de Capital Élite, on s'est parlé la semaine passée de votre "
            "retraite.",
            "Bonjour, mon nom est Marc, je suis gestionnaire de compte sur une plateforme de "
            "trading.",
            "Bonjour, je vous appelle pour l'occasion d'investissement que vous avez vue sur "
            "Facebook.",
            "Allô, c'est Linda, ton amie du groupe d'investissement WhatsApp.",
        ],
    ),
    (
        "C",
        [
            "Comment ça va aujourd'hui? Fait-il beau à Québec?",
            "Je sais que vous avez travaillé fort pour vos épargnes, pis les banques vous donnent "
            "rien.",
            "Mon oncle m'a tout appris sur le trading, j'aimerais ça le partager avec toi.",
            "",
        ],
    ),
    ("P", ["Ça va bien merci.", "C'est vrai, les intérêts sont pas bons.", "Ah oui?", ""]),
    (
        "C",
        [
            "Nos clients font vingt pour cent de rendement par mois avec notre trading crypto.",
            "Les rendements sont garantis, il y a aucun risque.",
            "Avec seulement 250 $ vous pouvez commencer, notre robot de trading fait le reste.",
            "Votre compte montre déjà un profit de trois mille dollars.",
            "J'ai fait beaucoup d'argent avec cette plateforme, je peux te montrer comment.",
        ],
    ),
    (
        "C",
        [
            "Il faut juste déposer en Bitcoin, je vous envoie l'adresse du portefeuille.",
            "Pour retirer vos profits, il faut d'abord payer les frais de retrait.",
            "Installez cette application pour que je vous aide à ouvrir votre compte.",
            "Transférez l'argent de votre banque vers Coinbase puis vers notre plateforme.",
            "Envoie l'argent à mon collègue pis je vais le mettre sur la plateforme pour toi.",
        ],
    ),
    (
        "C",
        [
            "Les places sont limitées, l'offre se termine ce soir.",
            "Dites-le pas à votre banque, ils aiment pas la crypto pis ils vont bloquer ça.",
            "",
            "",
        ],
    ),
]

_ROMANCE_EN: Beats = [
    (
        "C",
        [
            "Hello my love, how was your day?",
            "Good morning sweetheart, I couldn't sleep thinking about you.",
            "Hi darling, it's me, David. The connection from the rig is terrible.",
            "Hello beautiful, it's Robert, did you get my letter?",
        ],
    ),
    ("P", ["Hi David, my day was good.", "Oh, you're sweet.", "I was waiting for your call.", ""]),
    (
        "C",
        [
            "I can't wait until we finally meet in person.",
            "Since we met on Facebook, you've changed my life.",
            "I'm still working on the oil rig, two more months.",
            "The army keeps me deployed overseas, but I think about you every day.",
        ],
    ),
    (
        "C",
        [
            "I have a problem, my bank account is frozen here.",
            "Customs are holding my package with the gold and I have to pay the fees.",
            "My daughter is sick in the hospital and I can't access my money from here.",
            "They won't let me leave until I pay for the equipment that broke.",
        ],
    ),
    (
        "C",
        [
            "Could you send me two thousand dollars? I'll pay you back when I come home.",
            "Can you buy iTunes cards and send me pictures of them?",
            "Can you send the money through Western Union to my agent?",
            "Please deposit it in bitcoin, it's the only way to reach me here.",
            "If you could help me with the plane ticket, we could finally be together.",
        ],
    ),
    (
        "C",
        [
            "Don't tell your kids about us, they wouldn't understand.",
            "Keep this between us, my love.",
            "",
            "",
        ],
    ),
]

_ROMANCE_FR: Beats = [
    (
        "C",
        [
            "Bonjour mon amour, ta journée s'est bien passée?",
            "Bonjour ma chérie, j'ai pas dormi, je pensais juste à toi.",
            "Allô mon coeur, c'est David. La connexion sur la plateforme pétrolière est mauvaise.",
            "Bonjour ma belle, c'est Robert, as-tu reçu ma lettre?",
        ],
    ),
    ("P", ["Allô David, oui ça a bien été.", "T'es donc fin.", "J'attendais ton appel.", ""]),
    (
        "C",
        [
            "J'ai tellement hâte qu'on se rencontre enfin en personne.",
            "Depuis qu'on s'est rencontrés sur Facebook, tu as changé ma vie.",
            "Je travaille encore sur la plateforme, deux autres mois.",
            "L'armée me garde en mission à l'étranger, mais je pense à toi chaque jour.",
        ],
    ),
    (
        "C",
        [
            "J'ai un problème, mon compte de banque est gelé ici.",
            "Les douanes retiennent mon colis avec l'or pis je dois payer les frais.",
            "Ma fille est malade à l'hôpital et je peux pas avoir accès à mon argent d'ici.",
            "Ils me laissent pas partir tant que j'ai pas payé l'équipement brisé.",
        ],
    ),
    (
        "C",
        [
            "Pourrais-tu m'envoyer deux mille dollars? Je vais te rembourser en revenant.",
            "Peux-tu acheter des cartes iTunes et m'envoyer des photos?",
            "Peux-tu envoyer l'argent par Western Union à mon agent?",
            "Dépose-le en bitcoin, c'est la seule façon de me rejoindre ici.",
            "Si tu pouvais m'aider avec le billet d'avion, on pourrait enfin être ensemble.",
        ],
    ),
    (
        "C",
        [
            "Parle pas de nous à tes enfants, ils comprendraient pas.",
            "Garde ça entre nous deux, mon amour.",
            "",
            "",
        ],
    ),
]

_PRIZE_EN: Beats = [
    (
        "C",
        [
            "Congratulations! You've won the grand prize in our national lottery.",
            "Hello, I'm calling from Publishers Clearing House, you're our lucky winner.",
            "You've been selected to receive a brand new car and fifty thousand dollars.",
            "Good news ma'am, your name was drawn in the Canadian sweepstakes.",
        ],
    ),
    ("P", ["Really? I don't remember entering.", "Oh my goodness!", "Is this a joke?", ""]),
    (
        "C",
        [
            "To release your prize, you need to pay the processing fees of 499 dollars.",
            "There are taxes on your winnings that must be paid before we can send the cheque.",
            "You just need to cover the delivery and insurance, three hundred dollars.",
            "Before we deliver, a small administration fee of 250 dollars is required.",
        ],
    ),
    (
        "C",
        [
            "You can pay with gift cards or by wire transfer.",
            "Send the money by Western Union to our claims agent.",
            "We can take the payment on your credit card, what's the card number?",
            "You can pay it in bitcoin at any bitcoin machine.",
        ],
    ),
    (
        "C",
        [
            "This offer expires today.",
            "Keep it confidential until the official announcement.",
            "",
            "",
        ],
    ),
]

_PRIZE_FR: Beats = [
    (
        "C",
        [
            "Félicitations! Vous avez gagné le grand prix de notre loterie nationale.",
            "Bonjour, je vous appelle de la Maison des Gagnants, vous êtes notre heureuse "
            "gagnante.",
            "Vous avez été sélectionnée pour recevoir une auto neuve et cinquante mille dollars.",
            "Bonne nouvelle madame, votre nom a été tiré au sort au concours canadien.",
        ],
    ),
    ("P", ["Pour vrai? Je me souviens pas d'avoir participé.", "Mon Dieu!", "C'est une joke?", ""]),
    (
        "C",
        [
            "Pour recevoir votre prix, il faut payer les frais de dossier de 499 $.",
            "Il y a des taxes sur vos gains à payer avant qu'on envoie le chèque.",
            "Il faut juste couvrir la livraison et l'assurance, trois cents dollars.",
            "Avant la livraison, des frais d'administration de 250 $ sont requis.",
        ],
    ),
    (
        "C",
        [
            "Vous pouvez payer avec des cartes-cadeaux ou par virement.",
            "Envoyez l'argent par Western Union à notre agent des réclamations.",
            "On peut prendre le paiement sur votre carte de crédit, c'est quoi le numéro de carte?",
            "Vous pouvez payer en bitcoin à n'importe quel guichet bitcoin.",
        ],
    ),
    (
        "C",
        [
            "Cette offre expire aujourd'hui.",
            "Gardez ça confidentiel jusqu'à l'annonce officielle.",
            "",
            "",
        ],
    ),
]

_UTILITY_EN: Beats = [
    (
        "C",
        [
            "This is Hydro-Québec, your account is past due.",
            "Hello, this is the electric company, disconnection department.",
            "This is Energir, calling about your gas bill.",
            "Final notice from your power utility.",
        ],
    ),
    (
        "C",
        [
            "Our technician will cut off your power within the next hour.",
            "Your electricity will be disconnected in thirty minutes unless you pay.",
            "You have an unpaid balance of 380 dollars.",
            "A crew is on the way to disconnect your service.",
        ],
    ),
    ("P", ["But I paid my bill!", "Oh no, I have medication in the fridge.", ""]),
    (
        "C",
        [
            "You need to pay with prepaid cards right now.",
            "Go to the convenience store and buy a Vanilla Visa.",
            "We accept payment by Bitcoin only for urgent reconnection.",
            "Give me your credit card number and the expiry date to pay now.",
        ],
    ),
    ("C", ["Stay on the line, I'll wait.", "", ""]),
]

_UTILITY_FR: Beats = [
    (
        "C",
        [
            "Ici Hydro-Québec, votre compte est en souffrance.",
            "Bonjour, ici la compagnie d'électricité, département des interruptions.",
            "Ici Énergir, on vous appelle pour votre facture de gaz.",
            "Dernier avis de votre fournisseur d'électricité.",
        ],
    ),
    (
        "C",
        [
            "Notre technicien va couper votre courant dans la prochaine heure.",
            "Votre électricité va être coupée dans trente minutes si vous payez pas.",
            "Vous avez un solde impayé de 380 $.",
            "Une équipe est en route pour interrompre votre service.",
        ],
    ),
    ("P", ["Mais j'ai payé ma facture!", "Ah non, j'ai des médicaments dans le frigo.", ""]),
    (
        "C",
        [
            "Il faut payer avec des cartes prépayées tout de suite.",
            "Allez au dépanneur acheter une carte Vanilla Visa.",
            "On accepte seulement le Bitcoin pour les rebranchements urgents.",
            "Donnez-moi votre numéro de carte de crédit et la date d'expiration pour payer "
            "maintenant.",
        ],
    ),
    ("C", ["Restez en ligne, je vous attends.", "", ""]),
]

_OTP_EN: Beats = [
    (
        "C",
        [
            "Hi, I'm calling about the couch you posted on Marketplace, I want to make sure you're "
            "real.",
            "Hello, this is your bank's verification service, we're updating your file.",
            "Hi, this is Amazon account security, someone tried to change your password.",
            "Hello, this is your phone carrier, we're upgrading your SIM card.",
            "Hey, it's your neighbour Lucie, I sent a code to your phone by mistake.",
        ],
    ),
    ("P", ["Okay.", "Oh, sure.", "What do you need?", ""]),
    (
        "C",
        [
            "I'm going to send you a six digit code by text, just read it back to me.",
            "You'll receive a verification code, can you tell me what it says?",
            "Please confirm the security code we just sent to your phone.",
            "What's the code you just received? It starts with four.",
            "Could you give me the code you got by text? It's for my account.",
        ],
    ),
    (
        "C",
        [
            "It's just to confirm your identity, it's very quick.",
            "Hurry, the code expires in two minutes.",
            "",
            "",
        ],
    ),
]

_OTP_FR: Beats = [
    (
        "C",
        [
            "Bonjour, je vous appelle pour le divan que vous vendez sur Marketplace, je veux être "
            "sûr que vous êtes une vraie personne.",
            "Bonjour, ici le service de vérification de votre banque, on met votre dossier à jour.",
            "Bonjour, ici la sécurité des comptes Amazon, quelqu'un a essayé de changer votre mot "
            "de passe.",
            "Bonjour, ici votre fournisseur de cellulaire, on met à jour votre carte SIM.",
            "Allô, c'est ta voisine Lucie, je t'ai envoyé un code par erreur sur ton cell.",
        ],
    ),
    ("P", ["Ok.", "Ah, correct.", "Qu'est-ce que vous voulez?", ""]),
    (
        "C",
        [
            "Je vais vous envoyer un code à six chiffres par texto, lisez-le-moi.",
            "Vous allez recevoir un code de vérification, pouvez-vous me dire ce qu'il dit?",
            "Confirmez-moi le code de sécurité qu'on vient de vous envoyer.",
            "C'est quoi le code que vous venez de recevoir? Il commence par quatre.",
            "Peux-tu me donner le code que t'as reçu par texto? C'est pour mon compte.",
        ],
    ),
    (
        "C",
        [
            "C'est juste pour confirmer votre identité, ça prend deux secondes.",
            "Dépêchez-vous, le code expire dans deux minutes.",
            "",
            "",
        ],
    ),
]

SCAMS: Final[dict[str, dict[str, Beats]]] = {
    "grandparent": {"en": _GRANDPARENT_EN, "fr": _GRANDPARENT_FR},
    "bank_impersonation": {"en": _BANK_EN, "fr": _BANK_FR},
    "government_impersonation": {"en": _GOV_EN, "fr": _GOV_FR},
    "tech_support": {"en": _TECH_EN, "fr": _TECH_FR},
    "remote_access": {"en": _REMOTE_EN, "fr": _REMOTE_FR},
    "gift_card_payment": {"en": _GIFT_EN, "fr": _GIFT_FR},
    "crypto_investment": {"en": _CRYPTO_EN, "fr": _CRYPTO_FR},
    "romance": {"en": _ROMANCE_EN, "fr": _ROMANCE_FR},
    "prize_fee": {"en": _PRIZE_EN, "fr": _PRIZE_FR},
    "utility_disconnection": {"en": _UTILITY_EN, "fr": _UTILITY_FR},
    "one_time_code": {"en": _OTP_EN, "fr": _OTP_FR},
}
