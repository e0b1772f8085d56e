"""A dynamic resource that records a webhook URL in a local JSON file.

Small enough to read in a minute, real enough to exercise every provider method the engine calls:
create, diff, update (in place when only the URL changes), delete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
from pulumi import dynamic


class WebhookFileProvider(dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        _write(props)
        return dynamic.CreateResult(id_=props["path"], outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        changed = [key for key in ("path", "url") if olds.get(key) != news.get(key)]
        return dynamic.DiffResult(
            changes=bool(changed), replaces=[k for k in changed if k == "path"]
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        _write(news)
        return dynamic.UpdateResult(outs=news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        Path(props["path"]).unlink(missing_ok=True)


def _write(props: dict[str, Any]) -> None:
    path = Path(props["path"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"url": props["url"]}))
    tmp.replace(path)  # never leave a half-written file behind


class WebhookFile(dynamic.Resource, module="ethiq", name="WebhookFile"):
    path: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        path: pulumi.Input[str],
        url: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(WebhookFileProvider(), name, {"path": path, "url": url}, opts)
