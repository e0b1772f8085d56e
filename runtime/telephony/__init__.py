"""Talking to Twilio: the REST client, webhook signatures, TwiML and the webhook paths.

An adapter: it knows no domain or web code. The controller that answers Twilio's webhooks is
:mod:`runtime.web.twilio_webhooks`.
"""
