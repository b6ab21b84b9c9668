"""What a person may be told by e-mail, and the only words such an e-mail may hold.

An e-mail leaves the partnership's control, so it never holds child data: no child reference,
name, summary, agency entry reference or task text - only how many new items of one kind wait,
and a link to the dashboard, where the person signs in and the query layer decides what they see.
"""

from __future__ import annotations

from domain.errors import NotInVocabulary

# Each kind, and who is told (the notifier decides who is concerned; each person may turn any
# kind off for themselves).
NOTIFICATION_KINDS = {
    "incoming": "a share, request, follow-up, answer or acknowledgement reached your agency "
    "(safeguarding leads)",
    "task_assigned": "a task was given to you",
    "task_overdue": "a task of your agency is past its due date (safeguarding leads)",
    "priority_alert": "a priority alert was raised about a child your agency knows "
    "(safeguarding leads)",
}
# Per kind: what waits, for one and for many, and for whom (the subject is the first part).
_WAITING = {
    "incoming": ("new item waits", "new items wait", "for your agency to read and acknowledge"),
    "task_assigned": ("new task waits", "new tasks wait", "for you"),
    "task_overdue": ("task past its due date", "tasks past their due date", "in your agency"),
    "priority_alert": ("priority alert waits", "priority alerts wait", "for your agency"),
}


def check_notification_kind(kind: str) -> str:
    if kind not in NOTIFICATION_KINDS:
        raise NotInVocabulary("kind", kind, tuple(NOTIFICATION_KINDS))
    return kind


def email_subject(kind: str, count: int) -> str:
    one, many, _ = _WAITING[kind]
    return f"FullPicture: {count} {one if count == 1 else many}"


def email_body(kind: str, count: int, dashboard_url: str) -> str:
    """Counts and a link, nothing else: the person reads the items in the dashboard."""
    one, many, where = _WAITING[kind]
    return (
        f"{count} {one if count == 1 else many} {where}.\n\n"
        f"Sign in to see them under My work: {dashboard_url}\n\n"
        "This message holds no details on purpose. To stop these messages, change your "
        "notification choices (fullpicture user notifications).\n"
    )
