"""Candidates' own profiles: the name they wish to be addressed by, pronouns, motivation,
experience, links and a photo; and who may read them.

The display name follows the rules of `voting.qa.candidates.checked_display_name` (no
look-alikes of other candidates or members, THREATS T34), and is fixed once the key
ceremony has started, because the ballot shows it. Links are http and https only. A photo
is re-encoded without metadata before it is stored (voting/qa/photos.py). Nothing is
saved when any part is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.elections.models import ElectionState
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.events import record_event
from voting.names import skeleton
from voting.qa.candidates import checked_display_name
from voting.qa.models import QA, Candidate, CandidatePhoto
from voting.qa.photos import prepare_photo
from voting.qa.services import (
    MAX_PROFILE_TEXT,
    MAX_PRONOUNS,
    clean_text,
    parse_links,
    viewer_of,
)


@dataclass(frozen=True, slots=True)
class Profile:
    """What a candidate writes about themselves (raw form input)."""

    display_name: str
    pronouns: str = ""
    motivation: str = ""
    experience: str = ""
    links: str = ""


def own_candidacy(session: Session, actor: Account, candidate_id: int) -> Candidate:
    """The actor's own active candidacy.

    Raises:
        NotFound: no such candidate. Forbidden: someone else's. Conflict: withdrawn.
    """
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound
    if candidate.account_id != actor.id:
        raise Forbidden(_l("Only the candidate edits their own profile."))
    if not candidate.is_active:
        raise Conflict(_l("You have withdrawn from this election."))
    return candidate


def update_profile(
    session: Session,
    actor: Account,
    candidate_id: int,
    profile: Profile,
    now: dt.datetime,
    *,
    photo: bytes | None = None,
    remove_photo: bool = False,
) -> Candidate:
    """Save the candidate's own profile and photo; nothing is saved if any part is refused.

    Raises:
        NotFound, Forbidden, Conflict (see `own_candidacy`).
        FieldError: naming the field (display_name, pronouns, motivation, experience,
            links, photo).
    """
    candidate = own_candidacy(session, actor, candidate_id)
    name = checked_display_name(
        session, candidate.election_id, profile.display_name, actor.member, candidate.id
    )
    if name != candidate.display_name and candidate.election.state is not ElectionState.DRAFT:
        raise FieldError(
            "display_name",
            _l(
                "Your name is on the ballot now and can no longer change. Ask the election officer."
            ),
        )
    pronouns = clean_text(profile.pronouns, "pronouns", MAX_PRONOUNS, required=False)
    if "\n" in pronouns:
        raise FieldError("pronouns", _l("Write your pronouns on one line."))
    motivation = clean_text(profile.motivation, "motivation", MAX_PROFILE_TEXT, required=False)
    experience = clean_text(profile.experience, "experience", MAX_PROFILE_TEXT, required=False)
    links = parse_links(profile.links)
    prepared = prepare_photo(photo) if photo else None
    candidate.display_name, candidate.name_skeleton = name, skeleton(name)
    candidate.pronouns, candidate.motivation, candidate.experience = (
        pronouns,
        motivation,
        experience,
    )
    candidate.links_json = json.dumps(links, ensure_ascii=False)
    candidate.profile_updated_at = now
    if prepared is not None:
        candidate.photo = CandidatePhoto(
            media_type=prepared.media_type,
            content=prepared.content,
            width=prepared.width,
            height=prepared.height,
            sha256=prepared.sha256,
            uploaded_at=now,
        )
    elif remove_photo:
        candidate.photo = None
    record_event(
        session,
        action="qa.profile-saved",
        actor_id=actor.id,
        now=now,
        subject=f"account:{actor.id}",
        details={"candidate": candidate.id, "photo": prepared is not None},
    )
    session.commit()
    return candidate


def readable_candidate(session: Session, actor: Account, candidate_id: int) -> Candidate:
    """A candidate whose profile the actor may read (the Q&A's readers).

    Raises:
        NotFound: no such candidate, or their election has no Q&A.
        Forbidden: the actor may not read this Q&A.
    """
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound
    qa = session.scalar(select(QA).where(QA.election_id == candidate.election_id))
    if qa is None:
        raise NotFound
    if not viewer_of(session, actor, qa).can_read:
        raise Forbidden(_l("Only the members who vote in this election can read its questions."))
    return candidate
