"""The query layer: every read of child data, and every check on who may record, goes through here.

The CLI, the dashboard and the exports are only doors: each names the person acting and calls one
of these methods, which decides the scope (`domain.scopes`), records the access event for a
child-level read, and only then reads the read models. A new door cannot forget a rule because
no door reads child data any other way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, cached_property, partial
from typing import Any, TypeVar

from domain.access_log import AccessEvent, AccessLog
from domain.directory import Directory, UnknownPerson
from domain.drafts import Authorship
from domain.errors import DomainError, UnknownAgency
from domain.identifiers import CHILD
from domain.people import (
    ADMINISTRATOR,
    ANALYST,
    CASE_REVIEWER,
    PRACTITIONER,
    SAFEGUARDING_LEAD,
    PersonView,
    ReviewGrantView,
)
from domain.records import EventRecord, agency_knows
from domain.scopes import (
    AccessRefused,
    ChildScope,
    Viewer,
    active_grants,
    check_administrator,
    check_may_change_task,
    check_may_decide_retention,
    check_may_give_task,
    check_may_manage_person,
    check_may_own_task,
    check_may_read_audit,
    check_may_record,
    decide_author,
    decide_child_scope,
    granted_children_of,
    retention_review_scope,
    sees_task,
)
from domain.tasks import UnknownTask
from projections import (
    acknowledgements,
    alert_reviews,
    chronology,
    followups,
    households,
    identifiers,
    partnership,
    requests,
    tasks,
    voice,
    work,
)
from projections.alerts import PatternContext, stored_alert, stored_alerts
from projections.board_figures import Cohort, PeriodAlerts, board_figures
from projections.child_header import ChildHeader, child_header
from projections.children import date_of_birth, dates_of_birth
from projections.chronology import ChildSummary, ChronologyEntry
from projections.database import ReadModelDatabase
from projections.household_view import (
    adults_heard_of,
    household_facts,
    stored_household_facts,
    with_household,
)
from projections.households import Member
from projections.identifiers import ChildAlias
from projections.kept_chronologies import KeptChronologies
from projections.patterns.alerts import Alert
from projections.patterns.evaluation import alerts_in_period, evaluate_household, evaluate_items
from projections.patterns.household import HOUSEHOLD_PATTERNS as HOUSEHOLD
from projections.patterns.timeline import Item
from projections.patterns.triage import with_triage
from projections.published_figures import PublishedFigures, publish
from projections.suppression import SUPPRESSED, is_small, shown_count
from projections.voice import VoiceEntry
from projections.who_knew import KnowledgeView, knowledge_view

Rows = Sequence[tuple[int | None, Mapping[str, Any]]]
# A row of the requests or follow-ups list (both say who recorded it, for whom, about whom, when).
ListedEntry = TypeVar("ListedEntry", requests.RequestStatus, followups.VerbalShareStatus)
# How a refused attempt's access event begins its scope (the access log records refusals too).
REFUSED_SCOPE = "refused"


class PersonNotNamed(Exception):
    """A change that needs a person to act was asked for by nobody (no `--as`)."""


class FirstPersonNotAdministrator(Exception):
    """The first person registered must be an administrator, to register the others."""


class PeopleStoreLost(Exception):
    """Nobody is registered, yet the chronology holds entries: the people's store was removed
    or replaced. The first administrator's door stays shut (whoever came through it would be
    administrator of a partnership's records), and so does everything it guards."""

    def __init__(self) -> None:
        super().__init__(
            "nobody is registered, but the chronology holds entries: the store of people and "
            "roles is missing or was replaced; restore it from a backup (no first administrator "
            "can be registered over existing records)"
        )


class UnknownChild(DomainError):
    def __init__(self, child: str) -> None:
        super().__init__("child", f"{child!r} has no chronology")


@dataclass
class ScopedChronology:
    """A child's chronology and alerts as one person may see them, with the scope they were
    read in (every export prints it). Alerts are evaluated only when asked for."""

    scope: ChildScope
    entries: list[ChronologyEntry]
    evaluate_alerts: Callable[[], list[Alert]] = field(repr=False)
    read_voice: Callable[[], list[VoiceEntry]] = field(repr=False, default=list)
    read_birth: Callable[[], str | None] = field(repr=False, default=lambda: None)
    today: date = field(default_factory=date.today)
    # The household view's adults on the replay day (empty without it).
    household: list[Member] = field(default_factory=list)

    @cached_property
    def alerts(self) -> list[Alert]:
        return self.evaluate_alerts()

    @cached_property
    def header(self) -> ChildHeader:
        """Who the child is and who is involved, as at the replay date, in this scope."""
        day = self.scope.as_at[:10] if self.scope.as_at else self.today.isoformat()
        return child_header(self.scope.child_ref, self.read_birth(), day, self.entries, self.alerts)

    @cached_property
    def voice(self) -> list[HeardVoice]:
        """The child's own words from the voice entries shown, oldest first."""
        shown = {e.id: e for e in self.entries if e.kind == "voice"}
        return [
            HeardVoice(v, shown[v.entry_id].practitioner)
            for v in self.read_voice()
            if v.entry_id in shown
        ]

    @cached_property
    def knowledge(self) -> KnowledgeView:
        return knowledge_view(self.entries)


@dataclass(frozen=True)
class ChildIdentifiers:
    """A child's NHS number ("" when none is recorded) and the agencies' own ids shown."""

    child_ref: str
    nhs_number: str
    aliases: list[ChildAlias]


@dataclass(frozen=True)
class HeardVoice:
    """A voice entry with who heard the child."""

    entry: VoiceEntry
    heard_by: str


class Queries:
    def __init__(
        self,
        directory: Directory,
        access_log: AccessLog,
        db: ReadModelDatabase,
        patterns: PatternContext,
        agency_is_registered: Callable[[str], bool],
        resolve_children: Callable[[Rows], list[tuple[int | None, dict[str, Any]]]],
        today: Callable[[], date] = date.today,
        kept: KeptChronologies | None = None,
        chronology_holds_entries: Callable[[], bool] = lambda: False,
    ) -> None:
        self.directory = directory
        self.access_log = access_log
        self.db = db
        self.patterns = patterns
        self.agency_is_registered = agency_is_registered
        self.resolve_children = resolve_children
        self.chronology_holds_entries = chronology_holds_entries
        self.today = today
        self._kept = kept
        self._period_alerts = PeriodAlerts(patterns.config, patterns.glossary)

    # The person ---------------------------------------------------------------------------

    def viewer(self, user: str) -> Viewer:
        """The person as they are on this request: roles revoked or grants expired a moment
        ago no longer count."""
        person, grants = self.directory.person_with_reviews(user)
        if person is None:
            raise UnknownPerson("as", user)
        if not person.has(CASE_REVIEWER) or person.has(ADMINISTRATOR):
            grants = []  # an administrator sees no child data, whatever grants they hold
        return Viewer(person, active_grants(grants, self.today()))

    # One child ----------------------------------------------------------------------------

    def open_child(
        self,
        user: str,
        child: str,
        view: str,
        as_at: str | None = None,
        known_by: str | None = None,
        system_time: str | None = None,
        purpose: str = "",
        household: bool = False,
    ) -> ChildScope:
        """Decide the scope of one read and record it as one access event."""
        viewer = self.viewer(user)
        with self._refusals_logged(viewer, view, [child], purpose):
            scope = self._decide(
                viewer, child, view, as_at, known_by, system_time, purpose, household
            )
        self._record(viewer, scope)
        return scope

    def chronology(self, user: str, scope: ChildScope) -> ScopedChronology:
        """Read what an opened scope shows (a page drawn again reads again without a new access
        event), checking first that the person still holds it: a revoked role or an expired
        grant refuses here; a scope that changed is recorded as a new access."""
        viewer = self.viewer(user)
        asked = (scope.as_at, scope.known_by, scope.system_time, scope.purpose, scope.household)
        with self._refusals_logged(viewer, scope.view, [scope.child_ref], scope.purpose):
            current = self._decide(viewer, scope.child_ref, scope.view, *asked)
        if current != scope:
            self._record(viewer, current)
        return self._read(current)

    def read_child(self, user: str, child: str, view: str, **asked: Any) -> ScopedChronology:
        """Open a child and read it: one access event, one read (CLI commands, exports)."""
        return self._read(self.open_child(user, child, view, **asked))

    def _read(self, scope: ChildScope) -> ScopedChronology:
        entries = chronology.chronology_for(
            self.db,
            scope.child_ref,
            as_at=scope.as_at,
            known_by=scope.known_by,
            system_time=scope.system_time,
            period=scope.period,
            rows_of=self._kept.rows if self._kept else None,
        )
        members: list[Member] = []
        if scope.household:
            around = with_household(
                self.db,
                scope.child_ref,
                entries,
                scope.as_at[:10] if scope.as_at else self.today().isoformat(),
                as_at=scope.as_at,
                known_by=scope.known_by,
                system_time=scope.system_time,
                period=scope.period,
                other_children_shown=_other_children_named(scope),
            )
            entries, members = around.entries, around.members
        return ScopedChronology(
            scope,
            entries,
            lambda: self._child_alerts(scope, entries),
            lambda: voice.voice_entries(self.db, scope.child_ref),
            lambda: date_of_birth(self.db, scope.child_ref),
            self.today(),
            members,
        )

    def _child_alerts(self, scope: ChildScope, shown: list[ChronologyEntry]) -> list[Alert]:
        """Alerts as at the replay day, from what the system held then, evaluated only from the
        entries visible in the scope (an agency's view never counts what it did not know)."""
        day = date.fromisoformat(scope.as_at[:10]) if scope.as_at else self.today()
        visible = {e.id for e in shown}
        items = [i for i in self._items_held(scope) if i.id in visible]
        alerts = evaluate_items(
            items, scope.child_ref, day, self.patterns.config, self.patterns.glossary
        )
        return _evidenced_in(alerts, visible) + self._household_alerts(scope, items, day)

    def _household_alerts(self, scope: ChildScope, items: list[Item], day: date) -> list[Alert]:
        """The patterns about the adults around the child, from facts scoped as the household
        view is: their evidence is what the scope may see, and another child is named only to
        an agency's own people where the agency knows that child (TRUST.md, need-to-know)."""
        known_by = scope.known_by

        def child_named(child: str) -> bool:
            return (
                known_by is not None
                and _other_children_named(scope)
                and chronology.agency_knows_child(self.db, child, known_by)
            )

        facts = household_facts(
            self.db,
            scope.child_ref,
            day.isoformat(),
            as_at=scope.as_at,
            known_by=known_by,
            system_time=scope.system_time,
            period=scope.period,
            child_named=child_named,
        )
        return evaluate_household(
            items, scope.child_ref, day, facts, self.patterns.config, self.patterns.glossary
        )

    def child_alerts(
        self,
        user: str,
        child: str,
        period: tuple[date, date] | None = None,
        patterns: Sequence[str] | None = None,
        **asked: Any,
    ) -> list[Alert]:
        """`patterns --child`: one logged read of the child's alerts, as at a day or every alert
        that held in a review period, each shown only when its evidence is in the scope."""
        read = self.read_child(user, child, "patterns", **asked)
        if period is None:
            alerts = read.alerts
        else:
            visible = {e.id for e in read.entries}
            found = alerts_in_period(
                [i for i in self._items_held(read.scope) if i.id in visible],
                child,
                *period,
                self.patterns.config,
                self.patterns.glossary,
                patterns,
            )
            alerts = _evidenced_in(found, visible)
        return [a for a in alerts if not patterns or a.pattern in patterns]

    def _items_held(self, scope: ChildScope) -> list[Item]:
        """The child's entries as the detectors see them, as the system held them at the
        scope's system time (all of them without one)."""
        items = chronology.pattern_items_by_child(self.db, [scope.child_ref]).get(
            scope.child_ref, []
        )
        if scope.system_time is None:
            return items
        held = {
            e.id
            for e in chronology.chronology_for(
                self.db, scope.child_ref, system_time=scope.system_time
            )
        }
        return [i for i in items if i.id in held]

    def with_triage(self, alerts: Sequence[Alert]) -> list[dict[str, Any]]:
        """Alerts as rows, each reviewed one with its triage (state, note, history)."""
        return with_triage(alerts, alert_reviews.reviews_of(self.db, [a.id for a in alerts]))

    def _decide(
        self,
        viewer: Viewer,
        child: str,
        view: str,
        as_at: str | None,
        known_by: str | None,
        system_time: str | None,
        purpose: str,
        household: bool = False,
    ) -> ChildScope:
        if known_by is not None and not self.agency_is_registered(known_by):
            raise UnknownAgency("known_by", known_by)
        knows = cache(partial(chronology.agency_knows_child, self.db, child))
        # A child the reader's agency knows is known: one query, not two, for most reads.
        agency_knows = viewer.acts_for_agency and knows(viewer.agency)
        if not agency_knows and not chronology.child_is_known(self.db, child):
            raise UnknownChild(child)
        return decide_child_scope(
            viewer,
            child,
            knows,
            view,
            as_at=as_at,
            known_by=known_by,
            system_time=system_time,
            purpose=purpose,
            household=household,
        )

    def _record(self, viewer: Viewer, scope: ChildScope) -> AccessEvent:
        return self.access_log.record(
            user=viewer.user,
            role=scope.role,
            agency=viewer.agency,
            child_refs=[scope.child_ref],
            view=scope.view,
            scope=scope.describe(),
            purpose=scope.purpose,
            break_glass=scope.break_glass,
            as_at=scope.as_at or "",
            known_by=scope.known_by or "",
            system_time=scope.system_time or "",
        )

    @contextmanager
    def _refusals_logged(
        self, viewer: Viewer, view: str, children: Sequence[str], purpose: str = ""
    ) -> Iterator[None]:
        """A refused read is recorded too (who asked for what, and why it was refused), then
        refused: probing for children outside one's scope leaves a trace."""
        try:
            yield
        except AccessRefused as refusal:
            self._record_refusal(viewer, view, children, refusal.message, purpose)
            raise

    def _record_refusal(
        self, viewer: Viewer, view: str, children: Sequence[str], reason: str, purpose: str = ""
    ) -> None:
        self.access_log.record(
            user=viewer.user,
            role=viewer.main_role,
            agency=viewer.agency,
            child_refs=list(children),
            view=view,
            scope=f"{REFUSED_SCOPE}: {reason}",
            purpose=purpose,
            break_glass=False,
        )

    def child_identifiers(self, user: str, child: str, purpose: str = "") -> ChildIdentifiers:
        """`child alias list`: a child's NHS number and agencies' own ids, scoped like the
        chronology (an agency's view: its own ids only) and logged as one read. An agency that
        recorded an identifier of the child knows the child for this read."""
        viewer = self.viewer(user)
        if not (
            chronology.child_is_known(self.db, child) or identifiers.has_identifiers(self.db, child)
        ):
            raise UnknownChild(child)

        def knows(agency: str) -> bool:
            return chronology.agency_knows_child(self.db, child, agency) or identifiers.recorded_by(
                self.db, child, agency
            )

        with self._refusals_logged(viewer, "identifiers", [child], purpose):
            scope = decide_child_scope(viewer, child, knows, "identifiers", purpose=purpose)
        self._record(viewer, scope)
        return ChildIdentifiers(
            child,
            identifiers.nhs_number_of(self.db, CHILD, child),
            identifiers.aliases_of(self.db, child, scope.known_by),
        )

    def record_birth_date_conflict(self, user: str, child: str) -> None:
        """`child register` with a date of birth other than the stored one: refused without
        the stored date, and recorded, since repeated tries would guess it."""
        self._record_refusal(
            self.viewer(user), "child register", [child], "a different date of birth"
        )

    # Many children ------------------------------------------------------------------------

    def children(self, user: str) -> list[ChildSummary]:
        """The children a person may pick from: their agency's, their reviews'. Analysts and
        administrators pick none (a child outside scope is opened by name, with a reason)."""
        viewer = self.viewer(user)
        found: dict[str, ChildSummary] = {}
        if viewer.acts_for_agency:
            found |= {c.child_ref: c for c in chronology.children_known_by(self.db, viewer.agency)}
        granted = viewer.grant_children()
        if granted:
            for child in chronology.children_with_entries(self.db):
                if child.child_ref in granted:
                    found.setdefault(child.child_ref, child)
        return [found[c] for c in sorted(found)]

    def alert_list(
        self,
        user: str,
        as_at: date | None = None,
        patterns: Sequence[str] | None = None,
        period: tuple[date, date] | None = None,
    ) -> list[Alert]:
        """Every alert the person may see: analysts see all (outside their own scope without
        evidence or any text taken from entries); agencies and reviewers see the alerts whose
        evidence they can see. `as_at` None reads the kept alerts; a day evaluates the patterns
        as at that day. The list names children: it is recorded as one read of those shown."""
        viewer = self.viewer(user)
        if not viewer.has(ANALYST, SAFEGUARDING_LEAD, CASE_REVIEWER) and not (
            viewer.acts_for_agency
        ):
            with self._refusals_logged(viewer, "alert list", []):
                raise AccessRefused(
                    "as", "an administrator sees no child data, including the alert list"
                )
        visible = self._visible_entries(viewer)
        children = None if viewer.has(ANALYST) else sorted({c for c, _ in visible})
        alerts = self._alerts(children, as_at, patterns, period)
        evidenced = self._evidence_rule(viewer, visible, alerts)
        shown: list[Alert] = []
        for alert in alerts:
            if evidenced(alert):
                shown.append(alert)
            elif viewer.has(ANALYST):
                shown.append(alert.without_entry_text())
        self._record_listing(viewer, "alerts", (a.child_ref for a in shown))
        return shown

    def _alerts(
        self,
        children: list[str] | None,
        as_at: date | None,
        patterns: Sequence[str] | None,
        period: tuple[date, date] | None = None,
    ) -> list[Alert]:
        if children is not None and not children:
            return []
        if period is not None:
            grouped = chronology.pattern_items_by_child(self.db, children)
            return [
                alert
                for child in sorted(grouped)
                for alert in alerts_in_period(
                    grouped[child],
                    child,
                    *period,
                    self.patterns.config,
                    self.patterns.glossary,
                    patterns,
                )
            ]
        if as_at is None:
            wanted = set(patterns or ())
            return [
                a
                for a in stored_alerts(self.db)
                if (children is None or a.child_ref in children)
                and (not wanted or a.pattern in wanted)
            ]
        grouped = chronology.pattern_items_by_child(self.db, children)
        found = [
            alert
            for child in sorted(grouped)
            for alert in evaluate_items(
                grouped[child],
                child,
                as_at,
                self.patterns.config,
                self.patterns.glossary,
                patterns,
            )
        ]
        return found + self._household_alert_list(children, grouped, as_at, patterns)

    def _household_alert_list(
        self,
        children: list[str] | None,
        grouped: Mapping[str, list[Item]],
        as_at: date,
        patterns: Sequence[str] | None,
    ) -> list[Alert]:
        """The patterns about adults as the stored list keeps them (every adult and entry,
        another child never named), for these children (every child without a list)."""
        if patterns and not set(patterns) & set(HOUSEHOLD):
            return []
        among = children if children is not None else households.children_with_households(self.db)
        facts = stored_household_facts(self.db.query, among, as_at.isoformat())
        return [
            alert
            for child in sorted(facts)
            for alert in evaluate_household(
                grouped.get(child, []),
                child,
                as_at,
                facts[child],
                self.patterns.config,
                self.patterns.glossary,
                patterns,
            )
        ]

    def alert_to_review(self, user: str, alert_id: str) -> Alert:
        """The alert a person may triage: analysts any alert holding now; practitioners, leads
        and case reviewers those whose evidence is in their scope; administrators none."""
        viewer = self.viewer(user)
        alert = stored_alert(self.db, alert_id)
        if alert is None:
            raise DomainError("alert_id", f"{alert_id!r} is not an alert holding now")
        if viewer.has(ANALYST):
            return alert
        visible = self._visible_entries(viewer)
        if viewer.has(ADMINISTRATOR) and not visible:
            raise AccessRefused("as", "an administrator sees no child data, including alerts")
        if not self._evidence_rule(viewer, visible, [alert])(alert):
            raise AccessRefused(
                "alert_id",
                f"{alert_id}'s evidence is outside your scope; it is not yours to review",
            )
        return alert

    def _evidence_rule(
        self, viewer: Viewer, visible: set[tuple[str, str]], alerts: Sequence[Alert]
    ) -> Callable[[Alert], bool]:
        """Whether a person's scope sees an alert's evidence: each entry it rests on, for the
        alert's child. A pattern about adults rests on entries about other children too: the
        person must see the child and each entry (for whichever child), and, acting for an
        agency, have heard of the adult (as the household view has it)."""
        seen = {e for _, e in visible}
        children = {c for c, _ in visible}
        heard_of = set()
        adults = sorted({a.subject.split(":")[0] for a in alerts if a.pattern in HOUSEHOLD})
        if adults and viewer.acts_for_agency:
            heard_of = adults_heard_of(self.db, viewer.agency, adults)

        def evidenced(alert: Alert) -> bool:
            if alert.pattern not in HOUSEHOLD:
                return all((alert.child_ref, e) in visible for e in alert.evidence)
            return (
                alert.child_ref in children
                and all(e in seen for e in alert.evidence)
                and (not viewer.acts_for_agency or alert.subject.split(":")[0] in heard_of)
            )

        return evidenced

    def _visible_entries(self, viewer: Viewer) -> set[tuple[str, str]]:
        """(child, entry id) of every entry the person sees in their own scope."""
        visible: set[tuple[str, str]] = set()
        if viewer.acts_for_agency:
            visible |= chronology.entries_known_by(self.db, viewer.agency)
        granted = sorted(viewer.grant_children())
        for child, entry, occurred_at in chronology.entry_dates(self.db, granted):
            period = viewer.review_period(child)
            if period is not None and period[0] <= occurred_at[:10] <= period[1]:
                visible.add((child, entry))
        return visible

    def requests(self, user: str, today: str) -> list[requests.RequestStatus]:
        """Requests the person's agency made or received, or about their review's children
        (logged as one read of every child listed)."""
        viewer = self.viewer(user)
        found = _seen_by(viewer, requests.request_statuses(self.db, today))
        self._record_listing(viewer, "requests", (c for r in found for c in r.child_refs))
        return found

    def pending_followups(self, user: str, today: str) -> list[followups.VerbalShareStatus]:
        """Verbal shares waiting for writing that concern the person's agency or review (logged
        as one read of every child listed)."""
        viewer = self.viewer(user)
        found = _seen_by(viewer, followups.followups_pending(self.db, today))
        self._record_listing(viewer, "follow-ups", (c for s in found for c in s.child_refs))
        return found

    def _record_listing(self, viewer: Viewer, view: str, children: Iterable[str]) -> None:
        """A list (or a batch of a feed) that names children and says what happened to them is
        a child-level read: one access event naming every child in it (none when it names
        nobody)."""
        named = sorted(set(children))
        if not named:
            return
        scopes = [f"known by {viewer.agency}"] if viewer.acts_for_agency else []
        scopes += ["review grants"] if viewer.grant_children() else []
        scopes += ["partnership alerts"] if view == "alerts" and viewer.has(ANALYST) else []
        self.access_log.record(
            user=viewer.user,
            role=viewer.agency_role if viewer.acts_for_agency else viewer.main_role,
            agency=viewer.agency,
            child_refs=named,
            view=view,
            scope="; ".join(scopes),
            purpose="",
            break_glass=False,
        )

    def partnership_figures(self, user: str, today: str) -> dict[str, Any]:
        """Counts across the partnership, for analysts (no child is named in them)."""
        viewer = self.viewer(user)
        if not viewer.has(ANALYST):
            raise AccessRefused("as", "partnership figures are for partnership analysts")
        return {
            "by_agency_month": partnership.entries_by_agency_and_month(self.db),
            "concerns": partnership.concerns_by_category(self.db),
            "channels": partnership.shares_by_channel(self.db),
            "followup_rate": partnership.written_followup_rate(self.db, today).percent,
            "voice_coverage": partnership.voice_coverage(self.db, today).percent,
            "response_times": requests.response_times_by_agency(self.db, today),
        }

    def board_figures(
        self, user: str, cohort: Cohort, with_trends: bool = True
    ) -> PublishedFigures:
        """The board's trends and practice measures for a period and cohort, for analysts:
        counts only, suppressed before they leave (no child is named in them). Without trends
        (their alerts are the dear part) the pattern tables are left at zero."""
        viewer = self.viewer(user)
        if not viewer.has(ANALYST):
            raise AccessRefused("as", "board figures are for partnership analysts")
        if cohort.agency and not self.agency_is_registered(cohort.agency):
            raise UnknownAgency("agency", cohort.agency)
        figures = board_figures(
            chronology.pattern_items_by_child(self.db),
            dates_of_birth(self.db),
            cohort,
            self.patterns.config,
            self.patterns.glossary,
            self._period_alerts.for_version(
                partnership.chronology_version(self.db),
                self.patterns.config,
                self.patterns.glossary,
            ),
            with_trends,
        )
        return publish(figures)

    # Tasks --------------------------------------------------------------------------------

    def task_owner_agency(self, user: str, child: str, owner: str, about: str) -> str:
        """The agency of a new task's owner, once the giver and the owner may both see the
        child and what prompted the task is the child's alert or an entry the giver's agency
        knows about the child; a refusal is recorded like any refused read."""
        viewer = self.viewer(user)
        knows = partial(chronology.agency_knows_child, self.db, child)
        with self._refusals_logged(viewer, "task add", [child]):
            check_may_give_task(viewer, child, knows)
            owner_viewer = self.viewer(owner)
            check_may_own_task(owner_viewer, child, knows)
        if not self._prompts_task(viewer, child, about):
            raise DomainError("about", f"{about!r} is no alert or entry about {child} you know")
        return owner_viewer.agency

    def _prompts_task(self, viewer: Viewer, child: str, about: str) -> bool:
        if ":" in about:
            return (child, about) in chronology.entries_known_by(self.db, viewer.agency)
        alert = stored_alert(self.db, about)
        return alert is not None and alert.child_ref == child

    def task_to_change(
        self, user: str, task_id: str, doing: str, new_owner: str | None = None
    ) -> tuple[tasks.TaskStatus, str]:
        """The task as it stands and the agency of its owner after the change (a new owner must
        see the child too), once the person may change it; or `UnknownTask`."""
        viewer = self.viewer(user)
        task = self._task(viewer, task_id)
        knows = partial(chronology.agency_knows_child, self.db, task.child_ref)
        with self._refusals_logged(viewer, f"task {doing}", [task.child_ref]):
            check_may_change_task(viewer, task.owner, task.owner_agency, task.added_by, doing)
            if new_owner is None:
                return task, task.owner_agency
            owner_viewer = self.viewer(new_owner)
            check_may_own_task(owner_viewer, task.child_ref, knows)
        return task, owner_viewer.agency

    def _task(self, viewer: Viewer, task_id: str) -> tasks.TaskStatus:
        """A task the person sees; one they do not is answered as if it did not exist."""
        found = [t for t in self._tasks_seen(viewer) if t.task_id == task_id.strip()]
        if not found:
            raise UnknownTask(task_id)
        return found[0]

    def task_list(
        self,
        user: str,
        mine: bool = False,
        agency: str | None = None,
        overdue: bool = False,
    ) -> list[tasks.TaskStatus]:
        """The tasks the person may see (`domain.scopes.sees_task`), narrowed as asked; the list
        names children, so it is recorded as one read of those shown."""
        viewer = self.viewer(user)
        found = [
            t
            for t in self._tasks_seen(viewer)
            if (not mine or t.owner == viewer.user)
            and (agency is None or t.owner_agency == agency)
            and (not overdue or t.overdue)
        ]
        self._record_listing(viewer, "tasks", (t.child_ref for t in found))
        return found

    def _tasks_seen(self, viewer: Viewer) -> list[tasks.TaskStatus]:
        if not viewer.acts_for_agency:
            return []
        known = {c.child_ref for c in chronology.children_known_by(self.db, viewer.agency)}
        return [
            t
            for t in tasks.task_statuses(self.db, self.today().isoformat())
            if sees_task(viewer, t.owner, t.owner_agency, t.added_by, t.child_ref in known)
        ]

    def incoming_to_acknowledge(self, user: str) -> list[work.IncomingItem]:
        """What other agencies sent the person's agency and it has not acknowledged yet (a
        list that names children: recorded as one read of those shown)."""
        viewer = self.viewer(user)
        if not viewer.acts_for_agency:
            return []
        found = [i for i in work.incoming_for(self.db, viewer.agency) if i.to_acknowledge]
        self._record_listing(viewer, "incoming", (c for i in found for c in i.child_refs))
        return found

    def practice_loop_figures(self, user: str, today: str) -> dict[str, Any]:
        """Time to acknowledge and overdue tasks per agency, for analysts: figures only, a
        count of 1-4 (and a median over so few) shown as `<5` like every board figure."""
        viewer = self.viewer(user)
        if not viewer.has(ANALYST):
            raise AccessRefused("as", "partnership figures are for partnership analysts")
        return {
            "time_to_acknowledge": [
                {
                    "agency": times.agency,
                    "acknowledged": shown_count(times.acknowledged),
                    "median_days": SUPPRESSED
                    if is_small(times.acknowledged)
                    else times.median_days,
                }
                for times in acknowledgements.acknowledgement_times_by_agency(self.db)
            ],
            "overdue_tasks": {
                agency: shown_count(count)
                for agency, count in tasks.overdue_by_agency(self.db, today).items()
            },
        }

    def check_may_read_feed(self, user: str, agency: str) -> None:
        """An agency's feed is read by that agency's own people (or its system, with its own
        Kafka credentials)."""
        viewer = self.viewer(user)
        if not (viewer.acts_for_agency and viewer.agency == agency):
            with self._refusals_logged(viewer, f"feed of {agency}", []):
                raise AccessRefused(
                    "agency", f"{agency}'s feed is for {agency}'s own practitioners and systems"
                )

    def record_feed_read(self, user: str, agency: str, batch: Iterable[EventRecord]) -> None:
        """A person reading their agency's feed reads child-level data: one access event per
        batch of messages, naming the children its events are about."""
        self.check_may_read_feed(user, agency)
        children = (child for record in batch for child in record.get("child_refs") or ())
        self._record_listing(self.viewer(user), "feed", children)

    # People and reviews -------------------------------------------------------------------

    def people(self, user: str) -> list[PersonView]:
        """Everyone, for an administrator; a safeguarding lead's own agency's people."""
        viewer = self.viewer(user)
        people = self.directory.people()
        if viewer.has(ADMINISTRATOR):
            return people
        if not (viewer.has(SAFEGUARDING_LEAD) and viewer.agency):
            raise AccessRefused("as", "only administrators and safeguarding leads list people")
        return [p for p in people if p.agency == viewer.agency]

    def reviews(self, user: str) -> list[ReviewGrantView]:
        """Every review grant, for an administrator; a case reviewer's own."""
        viewer = self.viewer(user)
        grants = self.directory.reviews()
        if viewer.has(ADMINISTRATOR):
            return grants
        if not viewer.has(CASE_REVIEWER):
            raise AccessRefused("as", "only administrators and case reviewers list reviews")
        return [g for g in grants if g.reviewer.lower() == viewer.user.lower()]

    def check_administrator(self, user: str, doing: str) -> None:
        check_administrator(self.viewer(user), doing)

    def check_may_set_password(self, user: str, of_user: str) -> None:
        """Anyone registered sets their own; only an administrator sets another's."""
        viewer = self.viewer(user)
        if user.lower() != of_user.lower():
            check_administrator(viewer, "set another person's password")

    def check_may_choose_notifications(self, user: str, of_user: str) -> None:
        """Each person chooses their own notifications; an administrator may for anyone."""
        viewer = self.viewer(user)
        if user.lower() != of_user.lower():
            check_administrator(viewer, "choose another person's notifications")

    # Separation of duties -----------------------------------------------------------------

    def change_password(self, user: str, of_user: str, password: str) -> bool:
        """Set one's own password, or (an administrator) reset another's: a reset must be
        changed at its next sign-in and is recorded in the access log. True for a reset."""
        self.check_may_set_password(user, of_user)
        if user.lower() == of_user.lower():
            self.directory.set_password(of_user, password, by=user)
            return False
        self.directory.reset_password(of_user, password, by=user)
        self._record_duty(
            self.viewer(user), "password reset", [], f"{of_user}: must change at next sign-in"
        )
        return True

    def propose_review(
        self, user: str, review: str, reviewer: str, **grant: Any
    ) -> ReviewGrantView:
        """An administrator proposes a review grant (or a change to one); it gives no access
        until a second administrator approves it (`approve_review`)."""
        viewer = self.viewer(user)
        check_administrator(viewer, "grant reviews")
        proposed = self.directory.grant_review(review, reviewer, by=user, **grant)
        self._record_duty(viewer, "review proposed", proposed.children, _grant_words(proposed))
        return proposed

    def approve_review(
        self, user: str, review: str, reviewer: str | None = None
    ) -> list[ReviewGrantView]:
        """A second administrator approves a review's proposed grants; recorded in the access
        log, naming the children the grants open."""
        viewer = self.viewer(user)
        check_administrator(viewer, "approve review grants")
        approved = self.directory.approve_review(review, by=user, reviewer=reviewer)
        for grant in approved:
            self._record_duty(viewer, "review approved", grant.children, _grant_words(grant))
        return approved

    def _record_duty(self, viewer: Viewer, view: str, children: Iterable[str], scope: str) -> None:
        """An administrator's act that opens child data to someone, in the access log."""
        self.access_log.record(
            user=viewer.user,
            role=ADMINISTRATOR,
            agency=viewer.agency,
            child_refs=sorted(children),
            view=view,
            scope=scope,
            purpose="",
            break_glass=False,
        )

    def check_may_manage_person(
        self, user: str, roles: Sequence[str], agency: str, doing: str
    ) -> None:
        check_may_manage_person(self.viewer(user), roles, agency, doing)

    def nobody_registered(self) -> bool:
        """The partnership's first administrator registers themselves: until then, nobody is
        checked (and only an administrator may be registered first). The door opens only onto
        a chronology holding nothing but agencies (`PeopleStoreLost` otherwise)."""
        if self.directory.anyone_registered():
            return False
        if self.chronology_holds_entries():
            raise PeopleStoreLost()
        return True

    def check_administrator_once_anyone_exists(self, user: str | None, doing: str) -> None:
        """Nothing to check while nobody is registered; after that, only an administrator
        (`user` None: nobody was named, `PersonNotNamed`)."""
        if self.nobody_registered():
            return
        if not user:
            raise PersonNotNamed()
        check_administrator(self.viewer(user), doing)

    def registrar(self, user: str | None, roles: Sequence[str], agency: str) -> str | None:
        """Who registers a new person with these roles: while nobody is registered, the new
        person is the first administrator (`FirstPersonNotAdministrator` otherwise), registered
        by `user` if named; after that `user`, who must be allowed to manage such a person."""
        if self.nobody_registered():
            if set(roles) != {ADMINISTRATOR}:
                raise FirstPersonNotAdministrator()
            return user
        if not user:
            raise PersonNotNamed()
        check_may_manage_person(self.viewer(user), roles, agency, "register people")
        return user

    # Records management -------------------------------------------------------------------

    def records_manager(self, user: str, doing: str) -> Viewer:
        """Disposition review, approvals, legal holds and erasure are administrators'."""
        viewer = self.viewer(user)
        check_administrator(viewer, doing)
        return viewer

    def retention_reviewer(self, user: str) -> tuple[Viewer, str | None]:
        """Who may list records due and decisions, and for which agency (None: every one)."""
        viewer = self.viewer(user)
        return viewer, retention_review_scope(viewer)

    def retention_decider(self, user: str, agency: str) -> Viewer:
        """Who may decide on a child's record, or on one agency's part (`agency`)."""
        viewer = self.viewer(user)
        check_may_decide_retention(viewer, agency)
        return viewer

    def record_records_act(
        self, viewer: Viewer, view: str, children: Iterable[str], scope: str
    ) -> None:
        """A records-management act (a list of records due, a decision, an approval, a hold,
        an erasure or its refusal) in the access log, naming the children it concerns."""
        self.access_log.record(
            user=viewer.user,
            role=viewer.main_role,
            agency=viewer.agency,
            child_refs=sorted(set(children)),
            view=view,
            scope=scope,
            purpose="records management",
            break_glass=False,
        )

    # Recording ----------------------------------------------------------------------------

    def rows_to_record(
        self, user: str, rows: Rows, importing: bool
    ) -> list[tuple[int | None, dict[str, Any]]]:
        """The rows with the person's agency filled in and children named by an NHS number or
        the agency's own id resolved (`EntriesRejected` naming a row whose id is unknown or
        ambiguous), or `AccessRefused`."""
        viewer = self.viewer(user)
        filled = check_may_record(viewer, rows, importing) if viewer.acts_for_agency else rows
        return check_may_record(viewer, self.resolve_children(filled), importing)

    def author_of(self, user: str, rows: Rows, importing: bool) -> Authorship:
        """Who records the allowed rows: the person, and for a case reviewer's import the
        review it is for."""
        return decide_author(self.viewer(user), rows, importing)

    def record_import(self, user: str, child_refs: Iterable[str], entries: int) -> None:
        """A case reviewer's import is recorded as made by them (rows keep their agencies)."""
        viewer = self.viewer(user)
        if viewer.acts_for_agency:
            return
        self.access_log.record(
            user=viewer.user,
            role=CASE_REVIEWER,
            agency=viewer.agency,
            child_refs=sorted(set(child_refs)),
            view="import",
            scope=f"{entries} entries imported",
            purpose="case review import",
            break_glass=False,
        )

    # The access log -----------------------------------------------------------------------

    def audit(
        self,
        user: str,
        child: str | None = None,
        of_user: str | None = None,
        from_day: str | None = None,
        to_day: str | None = None,
    ) -> list[AccessEvent]:
        """Accesses the person may see: administrators all; a safeguarding lead their agency's
        people and children their agency knows; a case reviewer their review's children."""
        viewer = self.viewer(user)
        check_may_read_audit(viewer)
        known: set[str] | None = None
        if not viewer.has(ADMINISTRATOR):
            known = set(viewer.grant_children())
            if viewer.has(SAFEGUARDING_LEAD) and viewer.agency:
                known |= {c.child_ref for c in chronology.children_known_by(self.db, viewer.agency)}
        found = []
        for access in self.access_log.accesses():
            if child is not None and child not in access.child_refs:
                continue
            if of_user is not None and access.user.lower() != of_user.lower():
                continue
            if from_day is not None and access.at[:10] < from_day:
                continue
            if to_day is not None and access.at[:10] > to_day:
                continue
            if known is not None and not (
                (viewer.has(SAFEGUARDING_LEAD) and access.agency == viewer.agency)
                or known & set(access.child_refs)
            ):
                continue
            found.append(access)
        return found


def _seen_by(viewer: Viewer, listed: Iterable[ListedEntry]) -> list[ListedEntry]:
    """The requests or verbal shares a person's list shows: those their agency knows, whole;
    else those in their review grants' children and periods, naming only the granted children."""
    shown = []
    for item in listed:
        if viewer.acts_for_agency and agency_knows(viewer.agency, item.agency, item.to_agencies):
            shown.append(item)
            continue
        granted = granted_children_of(viewer, item.child_refs, item.occurred_at)
        if granted:
            shown.append(replace(item, child_refs=granted))
    return shown


def _grant_words(grant: ReviewGrantView) -> str:
    return (
        f"review {grant.review} for {grant.reviewer}: {grant.period_from} to "
        f"{grant.period_to}, expires {grant.expires}; proposed by {grant.proposed_by}"
    )


def _other_children_named(scope: ChildScope) -> bool:
    """Whether a read may name other children an adult's entries are about: only an agency's own
    people reading in their agency's view (they know those entries, so those children); a
    review grant, a break-glass read or another agency's view names none."""
    return (
        scope.known_by is not None
        and scope.role in (PRACTITIONER, SAFEGUARDING_LEAD)
        and not scope.break_glass
    )


def _evidenced_in(alerts: Iterable[Alert], visible: set[str]) -> list[Alert]:
    return [a for a in alerts if set(a.evidence) <= visible]
