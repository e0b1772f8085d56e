"""Piccolo app ``people``: people, onboarding steps, magic links, the person's call preferences
(tables of :mod:`runtime.calls.preferences`, which the call path reads) and their privacy
requests and audit (tables of :mod:`runtime.privacy.tables`, which the tenant program reads), all
in the platform database."""

from __future__ import annotations

from piccolo.conf.apps import AppConfig

from runtime.calls.preferences import CallerRule, QuietHoursRow
from runtime.people.service import PEOPLE_MIGRATIONS
from runtime.people.tables import (
    ContactChange,
    ForwardingTest,
    LoginLink,
    OnboardingStep,
    Person,
    SignupRequest,
)
from runtime.privacy.tables import ErasureRequest, PrivacyAudit

__all__ = ["APP_CONFIG"]

APP_CONFIG = AppConfig(
    app_name=PEOPLE_MIGRATIONS.app_name,
    migrations_folder_path=PEOPLE_MIGRATIONS.folder,
    table_classes=[
        Person,
        OnboardingStep,
        LoginLink,
        ForwardingTest,
        CallerRule,
        QuietHoursRow,
        ContactChange,
        SignupRequest,
        ErasureRequest,
        PrivacyAudit,
    ],
)
