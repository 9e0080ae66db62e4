"""Texts that templates look up by a computed key (a form's title, a field's label, a cause),
as catalogue messages; every other page text is written as ``_()`` where it is shown. API
validation messages are shown as the API words them, in English, or in Chinese through
``message_zh``."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext, lazy_pgettext

from inventory import i18n
from inventory.i18n import N_

KEYED = {
    "verification_live": lazy_gettext("live polling verdicts"),
    "verification_history": lazy_gettext("polling history"),
    "tier_declared": lazy_gettext("Declared tier"),
    "tier_verified": lazy_gettext("Verified tier"),
    "edit_schools": lazy_gettext("Edit school"),
    "cause_unreachable": lazy_gettext("device unreachable"),
    "cause_interface_down": lazy_gettext("uplink interface down"),
    "cause_speed_below_contract": lazy_gettext("slower than contracted"),
    "new_schools": lazy_gettext("Register a school"),
    "new_networks": lazy_gettext("Register a campus network state"),
    "edit_networks": lazy_gettext("Edit campus network state"),
    "new_links": lazy_gettext("Register an uplink"),
    "edit_links": lazy_gettext("Edit uplink"),
    "new_devices": lazy_gettext("Register a device"),
    "edit_devices": lazy_gettext("Edit device"),
    "new_classrooms": lazy_gettext("Register a classroom"),
    "edit_classrooms": lazy_gettext("Edit classroom"),
    "f_code": lazy_gettext("School code (10 digits)"),
    "f_name": lazy_gettext("Name"),
    "f_name_en": lazy_gettext("English name"),
    "f_type_code": lazy_gettext("School type"),
    "f_region_code": lazy_pgettext("form", "County"),
    "f_address": lazy_gettext("Address"),
    "f_latitude": lazy_gettext("Latitude"),
    "f_longitude": lazy_gettext("Longitude"),
    "f_students": lazy_gettext("Students"),
    "f_teachers": lazy_gettext("Teachers"),
    "f_ordinary_classrooms": lazy_gettext("Ordinary classrooms"),
    "f_opened_on": lazy_gettext("Opened on"),
    "f_architecture": lazy_pgettext("form", "Architecture"),
    "f_backbone_mbps": lazy_gettext("Backbone (Mbps)"),
    "f_wireless_coverage": lazy_gettext("Wireless coverage"),
    "f_commissioned_on": lazy_gettext("Commissioned on"),
    "f_decommissioned_on": lazy_gettext("Decommissioned on"),
    "f_notes": lazy_gettext("Notes"),
    "f_kind": lazy_gettext("Kind"),
    "f_carrier": lazy_gettext("Carrier"),
    "f_medium": lazy_gettext("Medium"),
    "f_down_mbps": lazy_gettext("Down (Mbps)"),
    "f_up_mbps": lazy_gettext("Up (Mbps)"),
    "f_circuit_id": lazy_gettext("Circuit id"),
    "f_device_id": lazy_gettext("Device carrying it"),
    "f_interface_name": lazy_gettext("Device interface"),
    "f_role": lazy_gettext("Role"),
    "f_status": lazy_gettext("Status"),
    "f_mgmt_address": lazy_gettext("Management address"),
    "f_snmp_port": lazy_gettext("SNMP port"),
    "f_credential_id": lazy_gettext("SNMP credential (by name)"),
    "f_polling_enabled": lazy_gettext("Polling enabled"),
    "f_poll_interval_s": lazy_gettext("Poll interval (s)"),
    "f_vendor": lazy_gettext("Vendor"),
    "f_model": lazy_gettext("Model"),
    "f_serial": lazy_gettext("Serial"),
    "f_room_code": lazy_gettext("Room code"),
    "f_building": lazy_gettext("Building"),
    "f_floor": lazy_gettext("Floor"),
    "f_display": lazy_gettext("Display"),
    "f_has_teacher_terminal": lazy_gettext("Teacher terminal"),
    "f_has_visualiser": lazy_gettext("Visualiser"),
    "f_has_audio": lazy_gettext("Audio system"),
    "f_has_recording": lazy_gettext("Recording"),
    "f_wired_mbps": lazy_gettext("Wired access (Mbps)"),
    "f_wireless_mbps": lazy_gettext("Wireless access (Mbps)"),
    "new_alert-rules": lazy_gettext("Add an alert rule"),
    "edit_alert-rules": lazy_gettext("Edit alert rule"),
    "new_subscriptions": lazy_gettext("Add a subscription"),
    "edit_subscriptions": lazy_gettext("Edit subscription"),
    "new_maintenance-windows": lazy_gettext("Plan a maintenance window"),
    "edit_maintenance-windows": lazy_gettext("Edit maintenance window"),
    "f_threshold": lazy_gettext("Threshold"),
    "f_window_s": lazy_gettext("Counting window (s)"),
    "f_delay_s": lazy_gettext("Delay (s)"),
    "f_repeat_s": lazy_gettext("Repeat after (s)"),
    "f_severity": lazy_gettext("Severity"),
    "f_enabled": lazy_gettext("Enabled"),
    "f_school_code": lazy_pgettext("form", "School"),
    "f_rule_ids": lazy_gettext("Rules (none: every rule)"),
    "f_min_severity": lazy_gettext("Minimum severity"),
    "f_transport": lazy_gettext("Transport"),
    "f_target": lazy_gettext("Target (mail addresses or robot URL)"),
    "f_secret": lazy_gettext("Signing secret (write-only)"),
    "f_language": lazy_gettext("Message language"),
    "f_starts_at": lazy_gettext("Starts at"),
    "f_ends_at": lazy_gettext("Ends at"),
    "f_weekly": lazy_gettext("Every week"),
    "f_until": lazy_gettext("Weekly until"),
    "f_daily_digest": lazy_gettext("Daily digest"),
}

# The API's messages (marshmallow's and the services') as catalogue messages; a named group of
# the pattern fills the placeholder of the same name. Other messages are shown as they are.
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing data for required field\.$"), N_("Missing data for required field.")),
    (re.compile(r"^Field may not be null\.$"), N_("Field may not be null.")),
    (re.compile(r"^must not be blank$"), N_("must not be blank")),
    (re.compile(r"^Not a valid integer\.$"), N_("Not a valid integer.")),
    (re.compile(r"^Not a valid number\.$"), N_("Not a valid number.")),
    (re.compile(r"^Not a valid date\.$"), N_("Not a valid date.")),
    (re.compile(r"^Must be one of: (?P<choices>.*)\.$"), N_("Must be one of: %(choices)s.")),
    (
        re.compile(r"^must be exactly (?P<count>\d+) digits$"),
        N_("must be exactly %(count)s digits"),
    ),
    (
        re.compile(r"^must be at most (?P<count>\d+) characters$"),
        N_("must be at most %(count)s characters"),
    ),
    (re.compile(r"^is outside your region$"), N_("is outside your region")),
    (
        re.compile(r"^give a region or a school, not both$"),
        N_("give a region or a school, not both"),
    ),
    (
        re.compile(r"^name a region or a school: only an admin covers the whole inventory$"),
        N_("name a region or a school: only an admin covers the whole inventory"),
    ),
    (re.compile(r"^must be after starts_at$"), N_("must be after the start")),
    (
        re.compile(r"^must be mail addresses separated by commas$"),
        N_("must be mail addresses separated by commas"),
    ),
    (re.compile(r"^must be an http:// or https:// URL$"), N_("must be an http:// or https:// URL")),
    (re.compile(r"^Not a valid datetime\.$"), N_("Not a valid date and time.")),
    (
        re.compile(r"^this school already has a room (?P<room>.+)$"),
        N_("this school already has a room %(room)s"),
    ),
    (
        re.compile(r"^a school with code (?P<code>\d+) already exists$"),
        N_("a school with code %(code)s already exists"),
    ),
    (
        re.compile(r"^(?P<owner>.+) already has the address (?P<address>.+)$"),
        N_("%(owner)s already has the address %(address)s"),
    ),
    (
        re.compile(r"^(?P<owner>.+) already has the circuit id (?P<circuit>.+)$"),
        N_("%(owner)s already has the circuit id %(circuit)s"),
    ),
    (
        re.compile(
            r"^device (?P<device>.+) has no interface (?P<interface>.+); its interfaces: (?P<names>.*)$"
        ),
        N_("device %(device)s has no interface %(interface)s; its interfaces: %(names)s"),
    ),
    (
        re.compile(r"^must be an IPv4 or IPv6 address$"),
        N_("must be an IPv4 or IPv6 address"),
    ),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"
        ),
        N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"),
        N_("Must be greater than or equal to %(min)s."),
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"),
        N_("Must be less than or equal to %(max)s."),
    ),
]


def message_zh(message: str) -> str:
    """An API message in Chinese where it is a known one, with the English kept otherwise (a
    service's own sentence)."""
    for pattern, msgid in _MESSAGES:
        found = pattern.match(message)
        if found:
            return i18n.translate("zh", msgid, **found.groupdict())
    return message
