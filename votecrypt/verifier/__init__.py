"""The independent verifier: checks an election record from published data alone (spec 16).

It imports only the code that reads and checks published data, never the code that creates
ballots or runs the ceremony (a test enforces this).
"""

from votecrypt.verifier.report import CHECKS, CheckResult, VerificationReport
from votecrypt.verifier.verify import Checkpoint, verify_record

__all__ = ["CHECKS", "CheckResult", "Checkpoint", "VerificationReport", "verify_record"]
