"""Prometheus metrics of the runtime, on a registry of their own (one per app instance).

Cardinality is bounded on purpose. Only the call and verdict counters carry a tenant: the first
``ETHIQ_METRICS_TENANTS`` (100) tenants a process sees get a label of their own, every later one
is counted as ``_other``. A tenant has one region, so each of those two counters holds at most
(cap + regions) times verdicts series per process whatever the fleet's size (100 tenants, 5
verdicts: about 550); the call log has the rest. Regions are the few the platform serves.
Every other metric is per endpoint, dependency, outcome or code; provisioning and onboarding
durations carry none of a tenant (per step and who completed it, at most 8 steps by 3).
"""

from __future__ import annotations

import time
from typing import Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["OTHER_TENANTS", "Metrics", "WorkerMetrics"]

OTHER_TENANTS: Final = "_other"  # the tenant label of tenants beyond the cap


class Metrics:
    """Calls by verdict, webhook latency, degraded answers, alerts sent/failed."""

    def __init__(self, tenant_labels: int = 100) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._tenant_labels = tenant_labels
        self._tenants: set[str] = set()
        self.calls = Counter(
            "ethiq_calls_total",
            "Calls answered, by pre-answer verdict (blocked, unknown, legit, suspicious, scam), "
            "tenant (the first ETHIQ_METRICS_TENANTS, then _other) and region",
            ["verdict", "tenant", "region"],
            registry=self.registry,
        )
        self.verdicts = Counter(
            "ethiq_call_verdicts_total",
            "Calls whose verdict escalated during the call (voicemails included), by new "
            "verdict, and calls judged scam at answer: each scam call counted once under "
            'verdict="scam". By tenant (capped as ethiq_calls_total), region and typology (the '
            "kind of scam its cues point to)",
            ["verdict", "tenant", "region", "typology"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "ethiq_webhook_seconds",
            "Time to answer a Twilio webhook",
            ["endpoint"],
            buckets=(
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1.0,
                2.5,
                5.0,
                10.0,
                15.0,
            ),
            registry=self.registry,
        )
        self.degraded = Counter(
            "ethiq_degraded_answers_total",
            "Voice answers given while a dependency was down, by dependency, and live-call "
            "actions that failed (warning: not announced; transcription: not restarted)",
            ["dependency"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "ethiq_alerts_total",
            "SMS alerts by outcome (sent, delivered, undelivered, failed, retried, opted_out, "
            "passed_on to the next contacts, unreached: nobody left, suspended: the "
            "subscription's standing suspends alerts)",
            ["outcome"],
            registry=self.registry,
        )
        self.notices = Counter(
            "ethiq_person_notices_total",
            "Texts to the protected person (missed calls) by outcome (sent, delivered, "
            "undelivered, failed, retried, opted_out, skipped: no own number given, suspended: the "
            "subscription's standing suspends it)",
            ["outcome"],
            registry=self.registry,
        )
        self.sender_blocked = Counter(
            "ethiq_sms_sender_blocked_total",
            "Texts Twilio refused to carry because the tenant's sender is not registered for "
            "the recipient (30034 unregistered A2P 10DLC, 30032 unverified toll-free), by code",
            ["code"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "ethiq_webhooks_rejected_total",
            "Webhooks refused (bad signature, wrong account, unknown tenant)",
            ["endpoint"],
            registry=self.registry,
        )

        self.transcription_errors = Counter(
            "ethiq_transcription_errors_total",
            "transcription-error events from Twilio, by code, and transcriptions Twilio stopped "
            "while the call was live (code stopped): the call is no longer screened",
            ["code"],
            registry=self.registry,
        )
        self.unanswered = Counter(
            "ethiq_calls_unanswered_total",
            "Calls the person's app did not answer, by Twilio status (no-answer, busy, failed)",
            ["status"],
            registry=self.registry,
        )

        self.signature_storms = Counter(
            "ethiq_signature_storms_total",
            "Bursts of badly signed webhooks for one tenant (a rotated subaccount token)",
            registry=self.registry,
        )

        self.rate_limited = Counter(
            "ethiq_rate_limited_total",
            "Requests refused by a rate limit: new calls over a tenant's limit (busy), "
            "webhooks from a source with too many refused ones (429)",
            ["limit"],
            registry=self.registry,
        )
        self.campaign_callers = Counter(
            "ethiq_campaign_callers_total",
            "Callers that reached ETHIQ_CAMPAIGN_TENANTS tenants within the velocity window "
            "(counted once per caller and window)",
            registry=self.registry,
        )
        self.platform_blocks = Counter(
            "ethiq_platform_blocks_total",
            "Platform-wide blocks of a caller by operators, by action (block, unblock)",
            ["action"],
            registry=self.registry,
        )
        self.incidents = Counter(
            "ethiq_incidents_total",
            "Incident records, by event (opened, closed) and source (alertmanager, runtime)",
            ["event", "source"],
            registry=self.registry,
        )
        self.sns_refused = Counter(
            "ethiq_sns_refused_total",
            "Posts to the alert manager's SNS route refused (400, 403), by reason: malformed, "
            "type, field, topic, signature_version, signature, certificate_url, certificate, "
            "subscribe_url, stale (runtime.fleet.sns.REFUSALS)",
            ["reason"],
            registry=self.registry,
        )
        self.operator_alerts = Counter(
            "ethiq_operator_alerts_total",
            "Messages to the on-call operator, by channel (email, sms) and outcome (queued, "
            "held for the digest by the hourly limit, sent, retried, failed)",
            ["channel", "outcome"],
            registry=self.registry,
        )

        self.outbox_lag = Histogram(
            "ethiq_outbox_lag_seconds",
            "From an alert written (with its verdict) to its first send attempt",
            buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0),
            registry=self.registry,
        )

        # KPIs as distributions (runtime.fleet.kpi computes them from the same records).
        self.provisioning_seconds = Histogram(
            "ethiq_provisioning_seconds",
            "Time a reconcile apply took to create a tenant's stack, from its report (ethiq kpi "
            "--record), observed once by the process whose job picked the record up; target 30 s",
            buckets=(5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0, 600.0),
            registry=self.registry,
        )
        self.onboarding_step_seconds = Histogram(
            "ethiq_onboarding_step_seconds",
            "Time from an onboarding step's completion to the next one's, by step completed "
            "(identity_verified … test_call_passed) and by whom (system, person, operator)",
            ["step", "by"],
            buckets=(1.0, 10.0, 60.0, 300.0, 900.0, 3600.0, 14400.0, 86400.0, 259200.0, 604800.0),
            registry=self.registry,
        )

    def tenant(self, slug: str) -> str:
        """``slug`` as a label value while under the cap, else ``_other``."""
        if slug in self._tenants:
            return slug
        if len(self._tenants) < self._tenant_labels:
            self._tenants.add(slug)
            return slug
        return OTHER_TENANTS

    def render(self) -> bytes:
        return generate_latest(self.registry)


class WorkerMetrics:
    """What ``ethiq worker`` adds to its registry (the runtime's own :class:`Metrics`, whose
    alert counters its jobs move): job outcomes and durations per task, the queue's lag, and
    the worker's health, refreshed every heartbeat."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.jobs = Counter(
            "ethiq_jobs_total",
            "Jobs run by this worker, by task and outcome (succeeded, failed, aborted)",
            ["task", "outcome"],
            registry=registry,
        )
        self.job_seconds = Histogram(
            "ethiq_job_seconds",
            "Time one job ran, by task",
            ["task"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
            registry=registry,
        )
        self.queue_lag = Gauge(
            "ethiq_job_queue_lag_seconds",
            "Age of the oldest job due and not yet started (0: none waiting)",
            registry=registry,
        )
        self.waiting = Gauge(
            "ethiq_jobs_waiting", "Jobs due and not yet started, every worker's", registry=registry
        )
        self.healthy = Gauge(
            "ethiq_worker_healthy",
            "1 while this process's own worker heartbeat is fresh and its database pool is "
            "healthy, as last confirmed less than 3 heartbeats ago",
            registry=registry,
        )
        # Read at each scrape (a thread of its own): a confirmation that stops coming (the
        # event loop blocked, the check hung) turns the gauge to 0 instead of freezing it at 1.
        self._healthy_until = 0.0
        self.healthy.set_function(lambda: 1.0 if time.monotonic() < self._healthy_until else 0.0)

    def confirm_healthy(self, for_s: float) -> None:
        """This worker was just found healthy: report so for the next ``for_s`` seconds."""
        self._healthy_until = time.monotonic() + for_s

    def unhealthy(self) -> None:
        self._healthy_until = 0.0
