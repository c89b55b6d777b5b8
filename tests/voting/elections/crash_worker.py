"""A casting process for the crash test: casts ballots in a loop and prints each receipt's
tracking code once the cast has committed. The test kills it at arbitrary moments.

    python -m tests.voting.elections.crash_worker DATABASE_URL ELECTION_ID FIRST_VOTER_ID VOTERS
"""

from __future__ import annotations

import sys

from tests.voting.elections.conftest import DURING, SECRET_KEY
from voting.accounts.models import Account
from voting.db import Database
from voting.elections.casting import cast_ballot
from voting.keys import Keyring


def run(url: str, election_id: int, first_voter: int, voters: int) -> None:
    database = Database.from_url(url)
    keyring = Keyring(SECRET_KEY)
    number = 0
    while True:
        with database.session() as session:
            account = session.get(Account, first_voter + number % voters)
            assert account is not None
            choice = ("voor", "tegen", "onthouding")[number % 3]
            receipt = cast_ballot(
                session,
                keyring,
                SECRET_KEY,
                account,
                election_id,
                {"q1": [choice]},
                DURING,
                second_factor_done=False,
            )
        sys.stdout.write(f"{receipt.tracking_code} {receipt.log_index}\n")
        sys.stdout.flush()
        number += 1


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
