"""The engine smoke program (run by ``ethiq engine smoke``): one WebhookFile.

Stack config: ``path`` (where the provider writes) and ``url`` (the webhook URL it records).
"""

from __future__ import annotations

import pulumi

from infra.smoke.webhook_file import WebhookFile

config = pulumi.Config()
target = WebhookFile("smoke", path=config.require("path"), url=config.require("url"))
pulumi.export("path", target.path)
pulumi.export("url", target.url)
