"""The pages' and emails' words, in fr-CA and en-US (one catalogue, checked for equal keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from runtime.regions import LANGUAGES

__all__ = ["TEXTS", "negotiate", "texts"]


TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr-CA": {
        "site": "Ethiq",
        "tagline": "Ethiq filtre vos appels et prévient vos proches quand un fraudeur appelle.",
        "login_title": "Se connecter",
        "login_help": "Entrez votre adresse courriel. Nous vous enverrons un lien pour vous "
        "connecter, sans mot de passe.",
        "email_label": "Adresse courriel",
        "send_link": "M'envoyer le lien",
        "signup_title": "Demander la protection Ethiq",
        "signup_help": "Pour vous ou pour un proche. Nous vous écrirons pour préparer la "
        "protection : un numéro Ethiq, le renvoi de vos appels et vos proches à prévenir.",
        "signup_name_label": "Nom de la personne à protéger",
        "signup_language_label": "Langue des appels et des messages",
        "signup_region_label": "Où habite la personne à protéger",
        "billing_links_subject": "Ethiq : vérifiez votre identité et choisissez votre forfait",
        "billing_links_body": "Bonjour,\n\nAvant qu'Ethiq vous attribue votre numéro, la loi "
        "et notre service demandent deux étapes, sur les pages sécurisées de Stripe (Ethiq ne "
        "voit jamais votre carte ni vos documents) :\n\n{steps}\n\nDès qu'elles sont faites, "
        "nous préparons votre numéro Ethiq et vous écrivons.",
        "billing_links_identity": "1. Vérifiez votre identité (une pièce d'identité avec photo "
        "et un égoportrait) :\n{link}",
        "billing_links_checkout": "2. Choisissez votre forfait, entrez votre carte et acceptez "
        "les conditions du service :\n{link}",
        "billing_links_nothing": "Tout est déjà fait de votre côté.",
        "signup_ack_subject": "Votre demande de protection Ethiq est reçue",
        "signup_ack_body": "Bonjour,\n\nNous avons bien reçu votre demande de protection pour "
        "{name}. Un conseiller Ethiq vous écrira bientôt pour la préparer : le numéro Ethiq, le "
        "renvoi de vos appels et les proches à prévenir. Rien n'est acheté ni facturé avant "
        "votre accord.\n\nVous pourrez ensuite vous connecter ici :\n{link}\n\nSi vous "
        "n'avez rien demandé, ignorez ce courriel.",
        "signup_send": "Envoyer la demande",
        "signup_thanks": "Merci, votre demande est reçue. Nous vous écrirons bientôt pour la "
        "suite.",
        "signup_invalid": "La demande est incomplète : vérifiez les noms et l'adresse courriel.",
        "signup_contact_name_label": "Un proche à prévenir en cas de fraude : son nom",
        "signup_contact_number_label": "Son numéro de cellulaire",
        "signup_link": "Pas encore protégé? Demandez la protection Ethiq",
        "sms_login_title": "Ou par texto",
        "sms_login_help": "Entrez le numéro de votre cellulaire, celui que vous avez donné à "
        "Ethiq. Nous vous enverrons le lien par texto.",
        "send_sms_link": "M'envoyer le lien par texto",
        "bad_phone": "Ce n'est pas un numéro de téléphone. Exemple : 514 555 0123.",
        "sent_sms_title": "Regardez vos textos",
        "sent_sms_body": "Si ce numéro est inscrit, un lien de connexion vient d'y être envoyé "
        "par texto. Il est valable {minutes} minutes, une seule fois.",
        "login_sms": "Ethiq: votre lien de connexion (valable {minutes} min, une seule fois): "
        "{link} Pas demandé? Ignorez ce texto.",
        "sent_title": "Vérifiez vos courriels",
        "sent_body": "Si cette adresse est inscrite, un lien de connexion vient d'y être envoyé. "
        "Il est valable {minutes} minutes, une seule fois.",
        "too_many_title": "Trop de demandes",
        "too_many_body": "Trop de liens de connexion ont été demandés. Réessayez dans "
        "{minutes} minutes au plus.",
        "confirm_title": "Confirmer la connexion",
        "confirm_body": "Appuyez sur le bouton pour vous connecter à Ethiq.",
        "confirm_button": "Me connecter",
        "bad_link_title": "Ce lien ne fonctionne plus",
        "bad_link_body": "Un lien de connexion ne sert qu'une fois et expire après {minutes} "
        "minutes. Demandez-en un nouveau.",
        "forbidden_title": "Accès refusé",
        "forbidden_body": "Cette page appartient à un autre compte.",
        "logout": "Se déconnecter",
        "your_page": "Votre protection Ethiq",
        "plan_title": "Votre forfait",
        "plan_name": "Forfait {name}",
        "plan_period": "ce mois-ci ({period})",
        "meter_screened_minutes": "Minutes d'appels filtrés",
        "meter_alerts": "Alertes par texto à vos proches",
        "meter_contacts": "Proches à prévenir",
        "meter_of": "{used} sur {limit} ({percent} %)",
        "plan_over": "Au-delà d'une limite, vos appels restent connectés et filtrés.",
        "standing_grace": "Paiement en retard : les alertes à vos proches continuent jusqu'au "
        "{date}. Mettez votre carte à jour d'ici là.",
        "standing_alerts_suspended": "Paiement en retard : les alertes à vos proches sont "
        "suspendues jusqu'au paiement. Vos appels restent connectés et filtrés.",
        "standing_retained": "Abonnement annulé : votre numéro est gardé jusqu'au {date}; les "
        "alertes à vos proches sont arrêtées. Vos appels restent connectés et filtrés.",
        "standing_release_due": "Abonnement annulé : votre numéro Ethiq sera bientôt libéré.",
        "your_number": "Votre numéro Ethiq",
        "checklist": "Étapes de la mise en service",
        "done": "Fait",
        "todo": "À faire",
        "by_you": "par vous",
        "by_us": "par Ethiq",
        "next_step": "Prochaine étape",
        "all_done": "Tout est prêt : votre protection est active.",
        "step_account_created": "Compte créé",
        "step_identity_verified": "Identité vérifiée",
        "step_terms_accepted": "Conditions acceptées",
        "do_identity_verified": "Vérifiez votre identité : une pièce d'identité avec photo et "
        "un égoportrait, sur la page sécurisée de Stripe (lien envoyé par Ethiq). Ethiq ne voit "
        "jamais vos documents.",
        "do_identity_verified_requires_input": "La vérification de votre identité n'a pas "
        "abouti. Recommencez avec le nouveau lien d'Ethiq, ou demandez à Ethiq une "
        "vérification en personne.",
        "do_identity_verified_requires_input_document": "La vérification de votre identité n'a "
        "pas abouti : Stripe n'a pas pu vérifier votre pièce d'identité (expirée, illisible ou "
        "d'un type non accepté). Recommencez avec une pièce d'identité valide avec photo et le "
        "nouveau lien d'Ethiq, ou demandez à Ethiq une vérification en personne.",
        "do_identity_verified_requires_input_selfie": "La vérification de votre identité n'a "
        "pas abouti : votre égoportrait ne correspond pas à la photo de votre pièce d'identité. "
        "Recommencez avec le nouveau lien d'Ethiq, bien éclairé et le visage dégagé, ou "
        "demandez à Ethiq une vérification en personne.",
        "do_identity_verified_requires_input_abandoned": "La vérification de votre identité a "
        "été interrompue avant la fin, ou vous n'avez pas donné votre accord. Reprenez-la avec "
        "le nouveau lien d'Ethiq. Si vous préférez ne pas envoyer d'égoportrait, demandez à "
        "Ethiq une vérification en personne.",
        "do_identity_verified_processing": "Stripe vérifie vos documents (en général moins "
        "d'une minute) : revenez sur cette page dans un instant.",
        "do_identity_verified_canceled": "Le lien de vérification a expiré ou a été annulé : "
        "demandez-en un nouveau à Ethiq.",
        "do_terms_accepted": "Lisez et acceptez les conditions du service.",
        "step_number_provisioned": "Numéro Ethiq attribué",
        "step_sip_app_configured": "Application téléphonique (SIP) configurée",
        "step_forwarding_verified": "Renvoi d'appels vérifié",
        "step_contacts_consented": "Proches inscrits et d'accord",
        "step_test_call_passed": "Appel d'essai réussi",
        "step_active": "Protection active",
        "do_account_created": "Ethiq crée votre compte.",
        "do_number_provisioned": "Ethiq réserve votre numéro; rien à faire.",
        "do_sip_app_configured": "Installez une application SIP, entrez les réglages SIP, puis "
        "faites-la sonner depuis la page des réglages.",
        "do_forwarding_verified": "Activez le renvoi de vos appels vers votre numéro Ethiq "
        "(instructions ci-dessous).",
        "do_contacts_consented": "Ethiq a envoyé un texto d'invitation à vos proches : il "
        "suffit qu'un d'eux réponde OUI.",
        "contacts_title": "Vos proches à prévenir",
        "contacts_help": "Chaque proche reçoit un texto d'invitation et répond OUI pour recevoir "
        "les alertes de fraude. Personne n'est alerté avant d'avoir accepté.",
        "contacts_none": "Aucun proche inscrit pour l'instant.",
        "state_pending": "Invitation en cours d'envoi",
        "state_invited": "Invité, pas encore de réponse",
        "state_no_answer": "Sans réponse après un rappel",
        "state_accepted": "A accepté",
        "state_refused": "A refusé",
        "state_unreachable": "Texto non reçu : vérifiez le numéro",
        "do_test_call_passed": "Lancez l'appel d'essai complet et répondez dans l'application.",
        "do_active": "Rien à faire.",
        "phone_title": "Votre téléphone",
        "own_number_label": "Votre numéro de cellulaire (ex. +15145550100)",
        "platform_label": "Votre téléphone",
        "carrier_label": "Votre fournisseur",
        "save": "Enregistrer",
        "saved": "Enregistré.",
        "contacts_asked": "Demande enregistrée. Elle sera appliquée après vérification par "
        "l'équipe Ethiq.",
        "bad_contact": "Ce changement n'est pas possible : vérifiez le nom et le numéro.",
        "contacts_change_title": "Ordre des alertes",
        "contact_up": "Monter {name} dans l'ordre",
        "contact_down": "Descendre {name} dans l'ordre",
        "contact_remove": "Retirer {name}",
        "contact_up_short": "Monter",
        "contact_down_short": "Descendre",
        "contact_remove_short": "Retirer",
        "contact_name_label": "Nom du nouveau proche",
        "contact_number_label": "Son numéro de cellulaire",
        "contact_language_label": "Sa langue (pour l'invitation et les alertes)",
        "contact_add": "Ajouter ce proche",
        "changes_title": "Vos demandes de changement",
        "change_pending": "En attente",
        "change_committed": "En attente",
        "change_applied": "Appliqué",
        "change_refused": "Refusé",
        "op_add": "Ajouter {name} ({number})",
        "op_remove": "Retirer {number}",
        "op_up": "Monter {number}",
        "op_down": "Descendre {number}",
        "prefs_title": "Vos préférences d'appel",
        "trusted_title": "Numéros de confiance",
        "trusted_help": "Ils sonnent toujours, même pendant vos heures de silence, sans être "
        "filtrés. Mettez-y vos proches. Si le réseau indique que le numéro est usurpé, l'appel "
        "est filtré comme les autres.",
        "blocked_title": "Numéros bloqués",
        "blocked_help": "Ces appels sont refusés sans sonner.",
        "list_empty": "Aucun numéro.",
        "number_label": "Numéro de téléphone",
        "add_trusted": "Ajouter aux numéros de confiance",
        "add_blocked": "Bloquer ce numéro",
        "remove": "Retirer",
        "remove_number": "Retirer {number}",
        "quiet_title": "Heures de silence",
        "quiet_help": "Pendant ces heures, votre téléphone ne sonne que pour vos numéros de "
        "confiance. Les autres appelants peuvent laisser un message; Ethiq l'écoute quand même "
        "et prévient vos proches si c'est une fraude.",
        "quiet_none": "Aucune heure de silence.",
        "us_texting_title": "Textos à vos proches des États-Unis",
        "us_texting_pending": "En attente d'enregistrement. Les opérateurs américains exigent "
        "que le numéro qui envoie vos alertes soit enregistré (A2P 10DLC ou vérification sans "
        "frais); Twilio l'examine, ce qui prend quelques jours. D'ici là, les alertes par texto "
        "à vos proches qui ont un numéro américain ne leur parviennent pas : chacune passe au "
        "proche suivant de votre liste.",
        "us_texting_approved": "Approuvé. Vos proches qui ont un numéro américain reçoivent les "
        "alertes par texto.",
        "tollfree_texting_title": "Textos à vos proches",
        "tollfree_texting_pending": "En attente de vérification. Les opérateurs canadiens et "
        "américains exigent que le numéro sans frais qui envoie vos alertes soit vérifié; "
        "Twilio l'examine, ce qui prend quelques jours. D'ici là, les alertes par texto ne "
        "parviennent pas à vos proches. Vos appels restent filtrés.",
        "tollfree_texting_approved": "Vérifié. Vos proches reçoivent les alertes par texto.",
        "quiet_now": "Heures de silence : {hours} (heure de {zone}).",
        "quiet_from": "Début",
        "quiet_to": "Fin",
        "quiet_save": "Enregistrer les heures de silence",
        "quiet_clear": "Supprimer les heures de silence",
        "bad_time": "Heures non valides : choisissez un début et une fin différents.",
        "list_full": "Cette liste est pleine : retirez d'abord un numéro.",
        "bad_number": "Ce numéro n'est pas valide : écrivez-le avec +1 et 10 chiffres.",
        "forwarding_title": "Renvoyer vos appels vers Ethiq",
        "iphone_steps": "Ouvrez Réglages|Touchez Téléphone|Touchez Renvoi d'appel|Activez "
        "Renvoi d'appel|Touchez Renvoyer vers et entrez {number}",
        "android_steps": "Ouvrez l'application Téléphone|Touchez ⋮ puis Paramètres|Touchez "
        "Appels ou Comptes d'appel, puis Transfert d'appel|Choisissez Toujours transférer|"
        "Entrez {number} et touchez Activer",
        "codes_title": "Ou composez le code de votre fournisseur",
        "code_on": "Renvoyer tous les appels",
        "code_off": "Arrêter le renvoi",
        "code_conditional": "Renvoyer seulement si occupé, sans réponse ou injoignable",
        "code_conditional_off": "Arrêter ce renvoi",
        "source": "Source :",
        "source_gsm": "3GPP TS 22.030 (codes MMI) et TS 22.082 (renvoi d'appel) ; page du "
        "fournisseur non vérifiée",
        "source_telus": "Soutien de TELUS Mobilité, renvoi d'appel des appareils HSPA/LTE "
        "(telusmobility.com/en/ON/support_services/callforwarding.shtml) ; renvoi "
        "conditionnel : 3GPP TS 22.030",
        "source_koodo": "Aide de Koodo, renvoi d'appel (koodomobile.com/en/help/call-forwarding) : "
        "*21* + numéro à 10 chiffres + # / #21# ; renvoi conditionnel : 3GPP TS 22.030",
        "source_videotron": "FAQ mobile de Vidéotron, renvoi d'appel "
        "(videotron.com/service/wireless/faq/call-forwarding) : *21* + numéro + # / #21# ; "
        "renvoi conditionnel : 3GPP TS 22.030",
        "source_tmobile": "Codes de service GSM de T-Mobile : **21* + numéro à 10 chiffres + # / "
        "##21#, tel que résumé par bubblyphone.com/hub/call-forwarding-tmobile ; renvoi "
        "conditionnel **004* (wiki.howardforums.com/index.php/"
        "T-Mobile_Conditional_Call_Forwarding, un wiki d'utilisateurs). La page de soutien de "
        "T-Mobile (support.t-mobile.com/docs/DOC-2706) ne donne aucun code, seulement que les "
        "appels se renvoient vers des numéros à 10 ou 11 chiffres : page du fournisseur non "
        "vérifiée pour ces codes",
        "source_verizon": "Soutien de Verizon Wireless, renvoi d'appel (verizonwireless.com/"
        "support/features/calling_features/call_forwarding.html) : *72 + numéro à 10 chiffres ; "
        "*73 pour l'arrêter, tel que résumé par bubblyphone.com/tools/call-forwarding-codes : "
        "non vérifié sur la page de Verizon",
        "choose_carrier": "Choisissez votre fournisseur ci-dessus pour voir ses codes.",
        "monitored_title": "Les autres téléphones protégés",
        "monitored_help": "Ces téléphones de la maison renvoient aussi leurs appels vers votre "
        "numéro Ethiq. Sur chacun, composez le code de son fournisseur, puis lancez son appel "
        "d'essai : ne répondez pas, l'appel doit revenir chez Ethiq.",
        "monitored_verified": "Renvoi vérifié",
        "monitored_unverified": "Renvoi pas encore vérifié",
        "monitored_test_button": "Lancer l'appel d'essai de ce téléphone",
        "monitored_choose_carrier": "Son fournisseur n'est pas connu : les codes sont ceux de "
        "votre fournisseur une fois choisi ci-dessus.",
        "test_title": "Vérifier le renvoi : l'appel d'essai",
        "test_help": "Ethiq appelle votre cellulaire depuis votre numéro Ethiq. Ne répondez "
        "pas : si le renvoi fonctionne, l'appel revient chez Ethiq et cette étape passe au vert.",
        "test_button": "Lancer l'appel d'essai",
        "test_need_number": "Enregistrez d'abord votre numéro de cellulaire ci-dessus.",
        "test_calling": "Appel d'essai en cours (jusqu'à une minute). Rechargez la page ensuite.",
        "test_refresh": "Recharger la page",
        "test_passed": "L'appel d'essai est revenu chez Ethiq : le renvoi fonctionne.",
        "test_failed_completed": "Quelqu'un a répondu à votre téléphone : le renvoi n'est pas "
        "activé. Vérifiez le code composé, puis réessayez sans répondre.",
        "test_failed_no-answer": "Votre téléphone a sonné sans renvoyer l'appel : le renvoi "
        "n'est pas activé. Composez le code ci-dessus et réessayez.",
        "test_failed_busy": "Votre ligne était occupée et l'appel n'a pas été renvoyé : "
        "activez « renvoyer tous les appels » et réessayez.",
        "test_failed_failed": "Impossible d'appeler votre numéro : vérifiez le numéro "
        "enregistré ci-dessus.",
        "test_failed_canceled": "L'appel d'essai a été annulé. Réessayez.",
        "test_failed_forwarded-elsewhere": "L'appel a été renvoyé par un autre numéro que le "
        "vôtre : vérifiez le numéro enregistré ci-dessus.",
        "test_error": "L'appel d'essai n'a pas pu être lancé. Réessayez dans quelques minutes.",
        "sip_title": "Réglages de l'application SIP",
        "sip_link": "Voir les réglages SIP",
        "fresh_needed": "Pour votre sécurité, cette page demande une connexion récente. "
        "Nous vous envoyons un nouveau lien.",
        "fresh_button": "M'envoyer un lien",
        "sip_domain": "Domaine",
        "sip_username": "Nom d'utilisateur",
        "sip_transport": "Transport",
        "sip_srtp": "Chiffrement du son (SRTP)",
        "sip_srtp_value": "Obligatoire",
        "sip_password": "Mot de passe",
        "full_test_title": "L'appel d'essai complet",
        "full_test_help": "Une fois le renvoi en place, Ethiq appelle votre cellulaire : le "
        "renvoi l'envoie à votre numéro Ethiq, qui fait sonner votre application. Ne répondez "
        "pas sur votre cellulaire; répondez dans l'application.",
        "full_test_button": "Lancer l'appel d'essai complet",
        "full_test_calling": "Appel d'essai complet en cours (jusqu'à une minute) : répondez "
        "dans l'application, puis rechargez la page.",
        "full_test_passed": "Vous avez répondu dans l'application : tout le parcours fonctionne.",
        "full_test_failed_app-no-answer": "L'appel est bien revenu chez Ethiq, mais "
        "l'application a sonné sans réponse. Réessayez et répondez dans l'application.",
        "full_test_failed_app-busy": "L'appel est bien revenu chez Ethiq, mais l'application "
        "était occupée. Réessayez.",
        "full_test_failed_app-failed": "L'appel est bien revenu chez Ethiq, mais "
        "l'application n'a pas pu être jointe : vérifiez qu'elle est connectée (page des "
        "réglages SIP).",
        "app_test_title": "Vérifier l'application : l'appel d'essai",
        "app_test_help": "Ethiq fait sonner votre application depuis votre numéro Ethiq. "
        "Répondez dans l'application : si vous entendez le message d'Ethiq, elle est prête.",
        "app_test_button": "Faire sonner mon application",
        "app_test_calling": "Votre application sonne (jusqu'à une minute) : répondez-y, puis "
        "rechargez la page.",
        "app_test_passed": "Vous avez répondu dans l'application : elle est prête.",
        "app_test_failed_no-answer": "L'application a sonné sans réponse. Réessayez et "
        "répondez dans l'application.",
        "app_test_failed_busy": "L'application était occupée. Réessayez quand vous n'êtes pas "
        "en ligne.",
        "app_test_failed_failed": "L'application n'a pas pu être jointe : ouvrez-la, vérifiez "
        "qu'elle est connectée (domaine, nom d'utilisateur, mot de passe, TLS et SRTP "
        "ci-dessus), puis réessayez.",
        "app_test_failed": "L'appel d'essai n'a pas abouti. Réessayez.",
        "sip_new_title": "Nouveau mot de passe SIP",
        "sip_new_help": "Un nouveau mot de passe remplace l'ancien tout de suite : l'application "
        "devra être reconfigurée. Il ne sera affiché qu'une fois.",
        "sip_new_button": "Créer un nouveau mot de passe",
        "sip_new_error": "Le mot de passe n'a pas pu être changé; l'ancien fonctionne encore. "
        "Réessayez plus tard.",
        "sip_new_once": "Voici votre nouveau mot de passe. Il ne sera plus jamais affiché : "
        "entrez-le maintenant dans l'application (ou lisez le code QR). L'ancien ne fonctionne "
        "plus.",
        "sip_qr_label": "Code QR des réglages SIP, avec le mot de passe",
        "sip_qr_help": "Pour les applications qui lisent un compte SIP (sip:utilisateur:mot de "
        "passe@domaine) dans un code QR. Sinon, entrez les réglages ci-dessous.",
        "sip_password_value": "Jamais envoyé par courriel ni texto. Créez-le ci-dessous : il "
        "est affiché une seule fois.",
        "back": "Retour à votre page",
        "privacy_title": "Vos données",
        "privacy_link": "Télécharger ou effacer vos données",
        "privacy_help": "Téléchargez tout ce qu'Ethiq garde sur vous : votre profil, vos "
        "proches et leurs consentements, vos appels avec leurs verdicts, leurs raisons et leurs "
        "transcriptions, les alertes envoyées et votre abonnement.",
        "privacy_download": "Télécharger mes données (JSON)",
        "privacy_retention": "Les transcriptions de vos appels sont effacées après {days} jours; "
        "l'appel et son verdict restent.",
        "erase_title": "Effacer votre historique",
        "erase_help": "Efface vos appels, leurs transcriptions et verdicts, les alertes "
        "envoyées, les messages reçus et les proches que vous avez déjà retirés. Ce qui reste : "
        "votre compte, les proches encore déclarés (pour leur écrire, leur consentement doit "
        "être gardé; retirez-les d'abord pour les effacer aussi) et les dossiers de facturation "
        "(obligation comptable). Les sauvegardes sont effacées à la fin de leur durée de "
        "conservation ({backup_days} jours).",
        "erase_confirm_label": "Pour confirmer, écrivez EFFACER",
        "erase_word": "EFFACER",
        "erase_button": "Effacer mon historique",
        "erase_bad_word": "Le mot de confirmation ne correspond pas : rien n'a été effacé.",
        "erase_requested": "Votre demande d'effacement est enregistrée. Elle est traitée en "
        "arrière-plan, en quelques minutes.",
        "erase_state_pending": "Demande d'effacement du {at} : en cours",
        "erase_state_done": "Demande d'effacement du {at} : faite le {done}",
        "language": "English",
        "welcome_subject": "Bienvenue chez Ethiq",
        "welcome_body": "Bonjour,\n\nVotre protection Ethiq est en préparation. Votre numéro "
        "Ethiq est {number}.\nPour la suite (renvoi d'appels, proches), ouvrez votre page :\n"
        "{link}\n\nPar sécurité, aucun mot de passe ne vous sera jamais envoyé par courriel.",
        "login_subject": "Votre lien de connexion Ethiq",
        "login_body": "Bonjour,\n\nPour vous connecter à Ethiq, ouvrez ce lien (valable "
        "{minutes} minutes, une seule fois) :\n{link}\n\nSi vous n'avez rien demandé, "
        "ignorez ce courriel.",
        "welcome_sms": "Ethiq : bienvenue! Votre numéro Ethiq est {number}. Votre page : {link}",
    },
    "en-US": {
        "site": "Ethiq",
        "tagline": "Ethiq screens your calls and warns your family when a fraudster calls.",
        "login_title": "Sign in",
        "login_help": "Enter your email address. We will send you a link to sign in, no "
        "password needed.",
        "email_label": "Email address",
        "send_link": "Send me the link",
        "signup_title": "Ask for Ethiq protection",
        "signup_help": "For you or for a relative. We will write to you to set it up: an Ethiq "
        "number, forwarding your calls and the family members to warn.",
        "signup_name_label": "Name of the person to protect",
        "signup_language_label": "Language of calls and messages",
        "signup_region_label": "Where the person to protect lives",
        "billing_links_subject": "Ethiq: verify your identity and choose your plan",
        "billing_links_body": "Hello,\n\nBefore Ethiq gives you your number, the law and our "
        "service need two steps, on Stripe's secure pages (Ethiq never sees your card or your "
        "documents):\n\n{steps}\n\nOnce they are done, we prepare your Ethiq number and "
        "write to you.",
        "billing_links_identity": "1. Verify your identity (a photo ID and a selfie):\n{link}",
        "billing_links_checkout": "2. Choose your plan, enter your card and accept the terms of "
        "service:\n{link}",
        "billing_links_nothing": "Everything is already done on your side.",
        "signup_ack_subject": "Your request for Ethiq protection is received",
        "signup_ack_body": "Hello,\n\nWe received your request for protection for {name}. An "
        "Ethiq advisor will write to you soon to set it up: the Ethiq number, forwarding your "
        "calls and the relatives to alert. Nothing is bought or charged before you agree.\n\n"
        "You will then sign in here:\n{link}\n\nIf you did not ask for this, ignore this "
        "email.",
        "signup_send": "Send the request",
        "signup_thanks": "Thank you, your request is received. We will write to you soon about "
        "the next steps.",
        "signup_invalid": "The request is incomplete: check the names and the email address.",
        "signup_contact_name_label": "Someone to alert in case of fraud: their name",
        "signup_contact_number_label": "Their mobile number",
        "signup_link": "Not protected yet? Ask for Ethiq protection",
        "sms_login_title": "Or by text message",
        "sms_login_help": "Enter your mobile number, the one you gave Ethiq. We will text you "
        "the link.",
        "send_sms_link": "Text me the link",
        "bad_phone": "This is not a phone number. Example: 514 555 0123.",
        "sent_sms_title": "Check your text messages",
        "sent_sms_body": "If this number is registered, a sign-in link has just been texted to "
        "it. It works once, for {minutes} minutes.",
        "login_sms": "Ethiq: your sign-in link (works once, for {minutes} min): {link} Did not "
        "ask? Ignore this text.",
        "sent_title": "Check your email",
        "sent_body": "If this address is registered, a sign-in link has just been sent to it. "
        "It works once, for {minutes} minutes.",
        "too_many_title": "Too many requests",
        "too_many_body": "Too many sign-in links were asked for. Try again in {minutes} minutes "
        "at most.",
        "confirm_title": "Confirm sign-in",
        "confirm_body": "Press the button to sign in to Ethiq.",
        "confirm_button": "Sign me in",
        "bad_link_title": "This link no longer works",
        "bad_link_body": "A sign-in link works once and expires after {minutes} minutes. "
        "Ask for a new one.",
        "forbidden_title": "Access refused",
        "forbidden_body": "This page belongs to another account.",
        "logout": "Sign out",
        "your_page": "Your Ethiq protection",
        "plan_title": "Your plan",
        "plan_name": "{name} plan",
        "plan_period": "this month ({period})",
        "meter_screened_minutes": "Screened call minutes",
        "meter_alerts": "Text alerts to your contacts",
        "meter_contacts": "Emergency contacts",
        "meter_of": "{used} of {limit} ({percent}%)",
        "plan_over": "Past a limit, your calls are still connected and screened.",
        "standing_grace": "Payment overdue: alerts to your contacts continue until {date}. "
        "Update your card by then.",
        "standing_alerts_suspended": "Payment overdue: alerts to your contacts are suspended "
        "until you pay. Your calls are still connected and screened.",
        "standing_retained": "Subscription canceled: your number is kept until {date}; alerts "
        "to your contacts have stopped. Your calls are still connected and screened.",
        "standing_release_due": "Subscription canceled: your Ethiq number will soon be released.",
        "your_number": "Your Ethiq number",
        "checklist": "Setup steps",
        "done": "Done",
        "todo": "To do",
        "by_you": "by you",
        "by_us": "by Ethiq",
        "next_step": "Next step",
        "all_done": "All set: your protection is active.",
        "step_account_created": "Account created",
        "step_identity_verified": "Identity verified",
        "step_terms_accepted": "Terms accepted",
        "do_identity_verified": "Verify your identity: a photo ID and a selfie, on Stripe's "
        "secure page (link sent by Ethiq). Ethiq never sees your documents.",
        "do_identity_verified_requires_input": "Your identity check did not succeed. Try "
        "again with Ethiq's new link, or ask Ethiq to verify you in person.",
        "do_identity_verified_requires_input_document": "Your identity check did not succeed: "
        "Stripe could not verify your ID document (expired, unreadable or of a type it does not "
        "accept). Try again with a valid photo ID and Ethiq's new link, or ask Ethiq to verify "
        "you in person.",
        "do_identity_verified_requires_input_selfie": "Your identity check did not succeed: "
        "your selfie does not match the photo on your ID. Try again with Ethiq's new link, in "
        "good light with your face uncovered, or ask Ethiq to verify you in person.",
        "do_identity_verified_requires_input_abandoned": "Your identity check was stopped "
        "before the end, or consent was not given. Start again with Ethiq's new link. If you "
        "would rather not send a selfie, ask Ethiq to verify you in person.",
        "do_identity_verified_processing": "Stripe is checking your documents (usually under a "
        "minute): come back to this page shortly.",
        "do_identity_verified_canceled": "The verification link expired or was cancelled: ask "
        "Ethiq for a new one.",
        "do_terms_accepted": "Read and accept the terms of service.",
        "step_number_provisioned": "Ethiq number assigned",
        "step_sip_app_configured": "Phone app (SIP) set up",
        "step_forwarding_verified": "Call forwarding verified",
        "step_contacts_consented": "Family contacts agreed",
        "step_test_call_passed": "Test call passed",
        "step_active": "Protection active",
        "do_account_created": "Ethiq creates your account.",
        "do_number_provisioned": "Ethiq reserves your number; nothing to do.",
        "do_sip_app_configured": "Install a SIP app, enter the SIP settings, then ring it from "
        "the settings page.",
        "do_forwarding_verified": "Forward your calls to your Ethiq number (steps below).",
        "do_contacts_consented": "Ethiq texted your contacts an invitation: one of them "
        "replying YES is enough.",
        "contacts_title": "Your emergency contacts",
        "contacts_help": "Each contact gets an invitation text and replies YES to receive fraud "
        "alerts. Nobody is alerted before they accept.",
        "contacts_none": "No contact registered yet.",
        "state_pending": "Invitation being sent",
        "state_invited": "Invited, no answer yet",
        "state_no_answer": "No answer after a reminder",
        "state_accepted": "Accepted",
        "state_refused": "Refused",
        "state_unreachable": "Text not received: check the number",
        "do_test_call_passed": "Start the full test call and answer it in the app.",
        "do_active": "Nothing to do.",
        "phone_title": "Your phone",
        "own_number_label": "Your mobile number (e.g. +15145550100)",
        "platform_label": "Your phone",
        "carrier_label": "Your carrier",
        "save": "Save",
        "saved": "Saved.",
        "contacts_asked": "Request recorded. It will be applied once the Ethiq team has checked "
        "it.",
        "bad_contact": "This change is not possible: check the name and the number.",
        "contacts_change_title": "Alert order",
        "contact_up": "Move {name} up",
        "contact_down": "Move {name} down",
        "contact_remove": "Remove {name}",
        "contact_up_short": "Up",
        "contact_down_short": "Down",
        "contact_remove_short": "Remove",
        "contact_name_label": "New contact's name",
        "contact_number_label": "Their mobile number",
        "contact_language_label": "Their language (for the invitation and alerts)",
        "contact_add": "Add this contact",
        "changes_title": "Your change requests",
        "change_pending": "Pending",
        "change_committed": "Pending",
        "change_applied": "Applied",
        "change_refused": "Refused",
        "op_add": "Add {name} ({number})",
        "op_remove": "Remove {number}",
        "op_up": "Move {number} up",
        "op_down": "Move {number} down",
        "prefs_title": "Your call preferences",
        "trusted_title": "Trusted numbers",
        "trusted_help": "They always ring, even during your quiet hours, and are not screened. "
        "Put your family here. If the network says the number is spoofed, the call is screened "
        "like any other.",
        "blocked_title": "Blocked numbers",
        "blocked_help": "These calls are refused without ringing.",
        "list_empty": "No numbers.",
        "number_label": "Phone number",
        "add_trusted": "Add to trusted numbers",
        "add_blocked": "Block this number",
        "remove": "Remove",
        "remove_number": "Remove {number}",
        "quiet_title": "Quiet hours",
        "quiet_help": "During these hours your phone rings only for your trusted numbers. Other "
        "callers may leave a message; Ethiq still listens to it and alerts your family if it "
        "is a scam.",
        "quiet_none": "No quiet hours.",
        "us_texting_title": "Texts to your US contacts",
        "us_texting_pending": "Pending registration. US carriers require the number that sends "
        "your alerts to be registered (A2P 10DLC or toll-free verification); Twilio reviews it, "
        "which takes a few days. Until then, alert texts to your contacts with a US number do "
        "not reach them: each one goes on to the next contact in your list.",
        "us_texting_approved": "Approved. Your contacts with a US number get alert texts.",
        "tollfree_texting_title": "Texts to your contacts",
        "tollfree_texting_pending": "Pending verification. Canadian and US carriers require the "
        "toll-free number that sends your alerts to be verified; Twilio reviews it, which takes "
        "a few days. Until then, alert texts do not reach your contacts. Your calls are still "
        "screened.",
        "tollfree_texting_approved": "Verified. Your contacts get alert texts.",
        "quiet_now": "Quiet hours: {hours} ({zone} time).",
        "quiet_from": "From",
        "quiet_to": "To",
        "quiet_save": "Save quiet hours",
        "quiet_clear": "Remove quiet hours",
        "bad_time": "Invalid hours: choose a different start and end.",
        "list_full": "This list is full: remove a number first.",
        "bad_number": "This number is not valid: write it with +1 and 10 digits.",
        "forwarding_title": "Forward your calls to Ethiq",
        "iphone_steps": "Open Settings|Tap Phone|Tap Call Forwarding|Turn on Call "
        "Forwarding|Tap Forward To and enter {number}",
        "android_steps": "Open the Phone app|Tap ⋮ then Settings|Tap Calls or Calling "
        "accounts, then Call forwarding|Choose Always forward|Enter {number} and tap Turn on",
        "codes_title": "Or dial your carrier's code",
        "code_on": "Forward all calls",
        "code_off": "Stop forwarding",
        "code_conditional": "Forward only when busy, unanswered or unreachable",
        "code_conditional_off": "Stop that forwarding",
        "source": "Source:",
        "source_gsm": "3GPP TS 22.030 (MMI codes) and TS 22.082 (call forwarding); carrier "
        "page not checked",
        "source_telus": "TELUS Mobility support, call forwarding for HSPA/LTE devices "
        "(telusmobility.com/en/ON/support_services/callforwarding.shtml); conditional: "
        "3GPP TS 22.030",
        "source_koodo": "Koodo help, call forwarding (koodomobile.com/en/help/call-forwarding): "
        "*21* + 10-digit number + # / #21#; conditional: 3GPP TS 22.030",
        "source_videotron": "Vidéotron mobile FAQ, call forwarding "
        "(videotron.com/service/wireless/faq/call-forwarding): *21* + number + # / #21#; "
        "conditional: 3GPP TS 22.030",
        "source_tmobile": "T-Mobile GSM service codes: **21* + 10-digit number + # / ##21#, as "
        "summarised by bubblyphone.com/hub/call-forwarding-tmobile; conditional **004* "
        "(wiki.howardforums.com/index.php/T-Mobile_Conditional_Call_Forwarding, a users' wiki). "
        "T-Mobile's support page (support.t-mobile.com/docs/DOC-2706) gives no code, only that "
        "calls forward to 10- or 11-digit numbers: carrier page not checked for these codes",
        "source_verizon": "Verizon Wireless support, Call Forwarding (verizonwireless.com/"
        "support/features/calling_features/call_forwarding.html): *72 + 10-digit number; *73 to "
        "turn it off, as summarised by bubblyphone.com/tools/call-forwarding-codes: not checked "
        "on Verizon's page",
        "choose_carrier": "Choose your carrier above to see its codes.",
        "monitored_title": "The household's other protected phones",
        "monitored_help": "These phones of the household forward their calls to your Ethiq "
        "number too. On each, dial its carrier's code, then start its test call: do not "
        "answer, the call must come back to Ethiq.",
        "monitored_verified": "Forwarding verified",
        "monitored_unverified": "Forwarding not verified yet",
        "monitored_test_button": "Start this phone's test call",
        "monitored_choose_carrier": "Its carrier is not known: the codes are your carrier's "
        "once you choose it above.",
        "test_title": "Check forwarding: the test call",
        "test_help": "Ethiq calls your mobile from your Ethiq number. Do not answer: if "
        "forwarding works, the call comes back to Ethiq and this step turns green.",
        "test_button": "Start the test call",
        "test_need_number": "First save your mobile number above.",
        "test_calling": "Test call under way (up to a minute). Then reload the page.",
        "test_refresh": "Reload the page",
        "test_passed": "The test call came back to Ethiq: forwarding works.",
        "test_failed_completed": "Someone answered your phone: forwarding is not on. Check the "
        "code you dialled, then try again without answering.",
        "test_failed_no-answer": "Your phone rang without forwarding the call: forwarding is "
        "not on. Dial the code above and try again.",
        "test_failed_busy": "Your line was busy and the call was not forwarded: turn on "
        '"forward all calls" and try again.',
        "test_failed_failed": "Your number could not be called: check the number saved above.",
        "test_failed_canceled": "The test call was canceled. Try again.",
        "test_failed_forwarded-elsewhere": "The call was forwarded by another number than "
        "yours: check the number saved above.",
        "test_error": "The test call could not be started. Try again in a few minutes.",
        "sip_title": "SIP app settings",
        "sip_link": "See the SIP settings",
        "fresh_needed": "For your safety, this page needs a recent sign-in. We will send you "
        "a new link.",
        "fresh_button": "Send me a link",
        "sip_domain": "Domain",
        "sip_username": "Username",
        "sip_transport": "Transport",
        "sip_srtp": "Voice encryption (SRTP)",
        "sip_srtp_value": "Required",
        "sip_password": "Password",
        "full_test_title": "The full test call",
        "full_test_help": "Once forwarding is on, Ethiq calls your mobile: forwarding sends it "
        "to your Ethiq number, which rings your app. Do not answer on your mobile; answer in "
        "the app.",
        "full_test_button": "Start the full test call",
        "full_test_calling": "Full test call under way (up to a minute): answer in the app, "
        "then reload the page.",
        "full_test_passed": "You answered in the app: the whole path works.",
        "full_test_failed_app-no-answer": "The call came back to Ethiq, but the app rang "
        "without an answer. Try again and answer in the app.",
        "full_test_failed_app-busy": "The call came back to Ethiq, but the app was busy. Try "
        "again.",
        "full_test_failed_app-failed": "The call came back to Ethiq, but the app could not be "
        "reached: check that it is signed in (SIP settings page).",
        "app_test_title": "Check the app: the test call",
        "app_test_help": "Ethiq rings your app from your Ethiq number. Answer in the app: if "
        "you hear Ethiq's message, it is ready.",
        "app_test_button": "Ring my app",
        "app_test_calling": "Your app is ringing (up to a minute): answer it, then reload the "
        "page.",
        "app_test_passed": "You answered in the app: it is ready.",
        "app_test_failed_no-answer": "The app rang without an answer. Try again and answer in "
        "the app.",
        "app_test_failed_busy": "The app was busy. Try again when you are not on a call.",
        "app_test_failed_failed": "The app could not be reached: open it, check that it is "
        "signed in (domain, username, password, TLS and SRTP above), then try again.",
        "app_test_failed": "The test call did not go through. Try again.",
        "sip_new_title": "New SIP password",
        "sip_new_help": "A new password replaces the old one at once: the app must be set up "
        "again. It is shown only once.",
        "sip_new_button": "Create a new password",
        "sip_new_error": "The password could not be changed; the old one still works. Try "
        "again later.",
        "sip_new_once": "Here is your new password. It will never be shown again: enter it in "
        "the app now (or scan the QR code). The old one no longer works.",
        "sip_qr_label": "QR code of the SIP settings, with the password",
        "sip_qr_help": "For apps that read a SIP account (sip:user:password@domain) from a QR "
        "code. Otherwise, enter the settings below.",
        "sip_password_value": "Never sent by email or text. Create it below: it is shown only "
        "once.",
        "back": "Back to your page",
        "privacy_title": "Your data",
        "privacy_link": "Download or erase your data",
        "privacy_help": "Download everything Ethiq keeps about you: your profile, your contacts "
        "and their consent, your calls with their verdicts, reasons and transcripts, the alerts "
        "sent and your subscription.",
        "privacy_download": "Download my data (JSON)",
        "privacy_retention": "Your calls' transcripts are erased after {days} days; the call "
        "and its verdict stay.",
        "erase_title": "Erase your history",
        "erase_help": "Erases your calls, their transcripts and verdicts, the alerts sent, the "
        "messages received and the contacts you already removed. What stays: your account, "
        "the contacts still declared (texting them needs their consent kept; remove them first "
        "to erase them too) and billing records (accounting law). Backups are erased at the end "
        "of their retention ({backup_days} days).",
        "erase_confirm_label": "To confirm, type ERASE",
        "erase_word": "ERASE",
        "erase_button": "Erase my history",
        "erase_bad_word": "The confirmation word does not match: nothing was erased.",
        "erase_requested": "Your erasure request is recorded. It runs in the background, within "
        "minutes.",
        "erase_state_pending": "Erasure requested on {at}: in progress",
        "erase_state_done": "Erasure requested on {at}: done on {done}",
        "language": "Français",
        "welcome_subject": "Welcome to Ethiq",
        "welcome_body": "Hello,\n\nYour Ethiq protection is being set up. Your Ethiq number is "
        "{number}.\nFor the next steps (call forwarding, family contacts), open your page:\n"
        "{link}\n\nFor your safety, no password will ever be sent to you by email.",
        "login_subject": "Your Ethiq sign-in link",
        "login_body": "Hello,\n\nTo sign in to Ethiq, open this link (it works once, for "
        "{minutes} minutes):\n{link}\n\nIf you did not ask for it, ignore this email.",
        "welcome_sms": "Ethiq: welcome! Your Ethiq number is {number}. Your page: {link}",
    },
}


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["fr-CA"])


def negotiate(query: str | None, accept_language: str | None, default: str = "fr-CA") -> str:
    """``?lang=`` if supported, else the first supported ``Accept-Language``, else ``default``."""
    if query in TEXTS:
        return query
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr-CA"
        if tag.startswith("en"):
            return "en-US"
    return default


def _check(catalogue: Mapping[str, Mapping[str, str]]) -> None:
    if tuple(catalogue) != LANGUAGES:
        raise RuntimeError(f"i18n languages {tuple(catalogue)} are not {LANGUAGES}")
    first, *others = catalogue.values()
    for other in others:
        if set(other) != set(first):
            raise RuntimeError(f"i18n keys differ: {sorted(set(other) ^ set(first))}")


_check(TEXTS)
