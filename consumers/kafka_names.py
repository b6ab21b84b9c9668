"""Every Kafka name FullPicture uses: topics, consumer groups, transactional ids, principals.

All of them are made from one prefix (FULLPICTURE_TOPIC_PREFIX), so deployments sharing a broker
(and the test suite's runs) never meet: the prefix holds no `.`, so everything after
`<prefix>.` belongs to that prefix alone. `kafka_security` grants exactly these names, so a name
changed here is changed in the ACLs too.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECTOR_GROUP = "projections"  # the projector's consumer group is `<prefix>-projections`
# Ends an agency's group prefix: no agency code holds it (domain.identities), so the prefix of
# agency `a` (`<prefix>.agency.a/`) never covers a group of agency `a.b`.
AGENCY_GROUP_SEPARATOR = "/"


@dataclass(frozen=True)
class Topics:
    """The one place that knows topic names."""

    prefix: str

    @property
    def events(self) -> str:
        return f"{self.prefix}.events"

    @property
    def audit(self) -> str:
        """The access log: one message per child a read concerned."""
        return f"{self.prefix}.audit"

    @property
    def erasures(self) -> str:
        """The erasure ledger, compacted: one record per erased child (or agency part)."""
        return f"{self.prefix}.erasures"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}.deadletter"

    def feed(self, agency: str) -> str:
        return f"{self.prefix}.feed.{agency}"

    @property
    def feed_prefix(self) -> str:
        return f"{self.prefix}.feed."

    @property
    def all_topics_prefix(self) -> str:
        """Every topic of this prefix starts with it (and no other deployment's does)."""
        return f"{self.prefix}."


# Consumer groups and transactional ids ---------------------------------------------------------


def relay_transactional_id(topics: Topics, topic: str) -> str:
    """The relay publishing `topic`: the chronology's keeps its original id, `<prefix>-relay`;
    any other topic's is named after it (the access log's: `<prefix>.audit-relay`)."""
    return f"{topics.prefix}-relay" if topic == topics.events else f"{topic}-relay"


def audit_transactional_id_prefix(topics: Topics) -> str:
    """The access log's relay, granted as a prefix."""
    return relay_transactional_id(topics, topics.audit)


def projector_group(topics: Topics) -> str:
    return f"{topics.prefix}-{PROJECTOR_GROUP}"


def feeds_group(topics: Topics) -> str:
    return f"{topics.prefix}-feeds"


def feeds_transactional_id(topics: Topics) -> str:
    return f"{feeds_group(topics)}-router"


def agency_groups_prefix(topics: Topics) -> str:
    return f"{topics.prefix}.agency."


def agency_group_prefix(topics: Topics, agency: str) -> str:
    """Every consumer group an agency's principal may use starts with this, and no other
    agency's group does."""
    return f"{agency_groups_prefix(topics)}{agency}{AGENCY_GROUP_SEPARATOR}"


def subscriber_group(topics: Topics, agency: str) -> str:
    """FullPicture's subscriber for an agency, under the prefix the agency's principal may use."""
    return f"{agency_group_prefix(topics, agency)}subscriber"


def person_reader_group(topics: Topics, agency: str, user: str) -> str:
    """A person reading their agency's feed: a group of their own under the agency's prefix, so
    the agency's system keeps its position."""
    return f"{agency_group_prefix(topics, agency)}read-by.{user}"


# Principals ------------------------------------------------------------------------------------


def service_username(topics: Topics, service: str) -> str:
    return f"{topics.prefix}-{service}"


def agency_username(topics: Topics, agency: str) -> str:
    """The agency's principal in this partnership: a second partnership on the same broker has
    its own for an agency of the same code."""
    return f"{topics.prefix}.agency.{agency}"


def legacy_agency_username(agency: str) -> str:
    """The principal an agency had before principals were named per partnership (one for every
    prefix on a broker); its ACLs on this partnership's names are removed when it is reissued."""
    return f"agency-{agency}"
