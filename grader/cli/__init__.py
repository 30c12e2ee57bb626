"""The command line: argv -> service call -> exit code. The only module that prints or exits.

Exit codes:
    0  grading completed (whatever the scores); `check`: every public test passed
    1  `check`: some public test failed
    2  usage or spec error (the instructor's to fix)
    3  the sandbox could not start
    4  the reference solution disagrees with scipy (nobody is graded)
    5  the results store or a report could not be written once grading had started;
       `release`: a solution is not full marks, or the release would give something away
"""

from __future__ import annotations

import sys

from ..errors import GraderError
from .common import _os_error
from .parser import _parser

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
        return code
    except GraderError as exc:
        print(f"grader: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a folder that vanished, no permission
        # No claim about the results store here: `grade` says itself what it committed.
        print(f"grader: error: {_os_error(exc)}", file=sys.stderr)
        return 5
