"""`votecrypt election create`: write the manifest of a new election."""

from __future__ import annotations

from pathlib import Path

import click

from votecrypt.errors import EncodingError, ManifestError
from votecrypt.protocol.approved_booth import BoothPin
from votecrypt.protocol.board_setup import BoardSetup, Witness
from votecrypt.protocol.manifest import Manifest
from votecrypt.protocol.rules import RuleSet
from votecrypt.record.note import COSIGNATURE_V1, NoteKey
from votecrypt.record.rule_presets import (
    PRESETS,
    name_rule_set,
    preset,
    refuse_for_body,
    refuse_impersonation,
)
from votecrypt.record.rules_codec import rule_set_from_json
from votecrypt.service.candidate_list import read_candidate_list
from votecrypt.service.election_dir import create_election
from votecrypt.service.installed_booth import installed_booth
from votecrypt.service.previous_results import read_previous_results
from votecrypt.storage.files import read_file
from votecrypt.storage.key_file import create_key_file, load_key_file

from .common import election_argument, passphrase, plural, say


def load_rules(value: str) -> RuleSet:
    if value in PRESETS:
        return preset(value)
    path = Path(value)
    if path.exists():
        rules = rule_set_from_json(read_file(path, what="rule file", max_bytes=1 << 20))
        refuse_impersonation(rules)  # spec 13.3.2: a preset's name means its rules
        return rules
    return preset(value)  # raises with the list of presets


def board_setup(
    key_file: Path | None, witnesses: tuple[str, ...], needed: int | None
) -> BoardSetup | None:
    """The manifest's board field (spec 7.1): the board's key and the witnesses."""
    if key_file is None:
        if witnesses or needed is not None:
            raise click.BadParameter("witnesses need a signed board: give --board-key too")
        return None
    listed = []
    for text in witnesses:
        try:
            key = NoteKey.from_vkey(text)
        except EncodingError as exc:
            raise click.BadParameter(f"--witness {text}: {exc}") from None
        if key.signature_type != COSIGNATURE_V1:
            raise click.BadParameter(f"--witness {text}: not a cosigning key (type 4)")
        listed.append(Witness(key.name, key.public_key))
    if key_file.exists():
        signing = load_key_file(key_file, passphrase(secret=key_file))
    else:
        signing = create_key_file(key_file, passphrase(confirm=True), "board signing key")
    return BoardSetup.build(signing.verify_key.to_bytes(), listed, needed)


@click.group()
def election() -> None:
    """Create an election."""


@election.command("create")
@election_argument
@click.option("--title", required=True, help="Title of the vote, as on the ballot paper.")
@click.option("--body", required=True, help="The body that votes (e.g. the People's Council).")
@click.option("--date", "date_", required=True, help="Date of the meeting, YYYY-MM-DD.")
@click.option(
    "--candidates",
    "candidates_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=(
        "The office holders, one per row: name, position. A CSV file as Excel saves it "
        "(UTF-8 or UTF-16; comma, semicolon or tab; a header row is skipped) or an .xlsx file."
    ),
)
@click.option(
    "--trustee",
    "trustees",
    multiple=True,
    required=True,
    help="A member of the counting board, in order (repeat for each member): the head of the "
    "board first, the secretary second (their roles on the result sheet's signature lines).",
)
@click.option("--threshold", type=int, required=True, help="Members needed to decrypt the result.")
@click.option(
    "--ballots",
    type=int,
    default=None,
    help="The most ballots that may be issued (default: --summoned); how many are issued is "
    "set at the roll call (`credentials issue --present`).",
)
@click.option("--summoned", type=int, default=None, help="Members summoned (for the 2/3 quorum).")
@click.option("--members", type=int, default=None, help="Members of the body (legacy denominator).")
@click.option(
    "--rules",
    default="nq96-2023",
    show_default=True,
    help=f"A preset ({', '.join(sorted(PRESETS))}) or a rule file.",
)
@click.option("--no-blank", is_flag=True, help="Every line must be marked (no blank lines).")
@click.option(
    "--previous-results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Last vote's results, for a rule set with a two-year rule (nq35-2012): its "
    "result-sheet.json, or a CSV with the header name,low,denominator.",
)
@click.option(
    "--quorum-override",
    default="",
    metavar="REASON",
    help="Proceed although fewer than the quorum are present; the reason is recorded in the "
    "manifest and no consequence is announced.",
)
@click.option(
    "--booth-digest",
    default=None,
    metavar="HEX",
    help="The digest of the booth the counting board approved (spec 7.5), as `votecrypt "
    "station --check` prints it; default: the booth installed with this votecrypt.",
)
@click.option(
    "--booth-version",
    default=None,
    metavar="VERSION",
    help="The votecrypt version of that booth (with --booth-digest).",
)
@click.option(
    "--board-key",
    "board_key",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sign the board's checkpoints (spec 11.7): the key file is created (or, if it exists, "
    "read) under a passphrase, and its public key goes into the manifest. Keep the file off "
    "the copies given to the trustees; `votecrypt serve --board-key` uses it.",
)
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="VKEY",
    help="A witness's verifier key as `votecrypt witness init` prints it (repeat for each).",
)
@click.option(
    "--witnesses-needed",
    type=int,
    default=None,
    help="Witnesses whose cosignature confirms a receipt (default: a majority).",
)
def create(
    election: Path,
    title: str,
    body: str,
    date_: str,
    candidates_file: Path,
    trustees: tuple[str, ...],
    threshold: int,
    ballots: int | None,
    summoned: int | None,
    members: int | None,
    rules: str,
    no_blank: bool,
    previous_results: Path | None,
    quorum_override: str,
    booth_digest: str | None,
    booth_version: str | None,
    board_key: Path | None,
    witnesses: tuple[str, ...],
    witnesses_needed: int | None,
) -> None:
    """Create the election in ELECTION_DIR: write its manifest (what is voted on, by whom,
    under which legal rules, and who holds the key). Give a copy of the directory to every
    member of the counting board for the key ceremony."""
    if ballots is None:
        if summoned is None:
            raise click.UsageError("give --summoned (the members summoned to the meeting)")
        ballots = summoned
    listed = read_candidate_list(candidates_file)
    rule_set = load_rules(rules)
    refuse_for_body(rule_set, body)
    previous = [] if previous_results is None else read_previous_results(previous_results, rule_set)
    on_list = {candidate.name for candidate in listed.candidates}
    not_on_list = [name for name, _ in previous if name not in on_list]
    previous = [(name, result) for name, result in previous if name in on_list]
    booth = approved_booth(booth_digest, booth_version)
    manifest = Manifest.build(
        title=title,
        body=body,
        date=date_,
        candidates=listed.candidates,
        rules=rule_set,
        trustees=list(trustees),
        threshold=threshold,
        credentials=ballots,
        summoned=summoned,
        members=members,
        blank_allowed=not no_blank,
        quorum_override=quorum_override,
        previous=previous,
        booth=booth,
        board=board_setup(board_key, witnesses, witnesses_needed),
    )
    directory = create_election(election, manifest)
    say(f"Election created in {directory.root}")
    say(f"Read {candidates_file} ({listed.description}); check the list:")
    for number, candidate in enumerate(manifest.candidates, start=1):
        say(
            f"  {number:>3}. {candidate.name}"
            + (f" — {candidate.position}" if candidate.position else "")
        )
    say("If it is wrong, delete the directory, correct the file and create the election again.")
    say(f"Rules: {name_rule_set(rule_set).describe()}")
    say(f"Election id (manifest hash): {manifest.manifest_hash().hex()}")
    say(
        f"{plural(len(manifest.candidates), 'candidate')}; at most {plural(ballots, 'ballot')} "
        "(the roll call sets how many are issued); "
        f"key held by {plural(len(trustees), 'trustee')}, any {threshold} of whom can decrypt."
    )
    if rule_set.uses_previous:
        say(
            f"Previous vote recorded for {plural(len(manifest.previous), 'office holder')}"
            + ("" if manifest.previous else " (use --previous-results for a two-year rule)")
        )
    if not_on_list:
        say(f"Not on this ballot, so not used from the previous results: {', '.join(not_on_list)}")
    say(f"Approved booth: votecrypt {booth.version}, digest {booth.digest.hex()}")
    if manifest.quorum_override:
        say(f"Below the quorum; recorded reason: {manifest.quorum_override}")
    if manifest.board is not None:
        say(
            f"Board key {manifest.board.key.hex()}; {len(manifest.board.witnesses)} witnesses, "
            f"{manifest.board.witnesses_needed} needed to confirm a receipt."
        )
    say("Next: each trustee runs `votecrypt trustee init` with their own index.")


def approved_booth(digest: str | None, version: str | None) -> BoothPin:
    """The booth the manifest names (spec 7.5): the one given, or the installed one."""
    if digest is None:
        if version is not None:
            raise click.UsageError("--booth-version goes with --booth-digest")
        return installed_booth().pin
    if version is None:
        raise click.UsageError("--booth-digest needs --booth-version")
    text = digest.strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ManifestError("the booth digest is 64 hex characters (votecrypt station --check)")
    return BoothPin(bytes.fromhex(text), version.strip())
