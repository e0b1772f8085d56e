"""Talking to Twilio: the REST client (outbound) and, as it lands, webhooks (inbound)."""
