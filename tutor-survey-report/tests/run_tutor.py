"""
Run the real ``tutor`` command line, for the tests.

Everything runs for real except what needs a container engine or a cluster:
``docker`` and ``kubectl`` are fake executables put first on PATH by the
tests (see conftest.py), and ``tutor k8s do`` tasks, which Tutor runs through
the Kubernetes Python client rather than kubectl, are recorded instead of
being submitted to a cluster. Both write one JSON line per call to $FAKE_LOG.
"""

import json
import os
import sys

from tutor.commands import k8s


def _record_k8s_task(_runner, service: str, command: str) -> int:
    with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"k8s_task": service, "command": command}) + "\n")
    return 0


k8s.K8sTaskRunner.run_task = _record_k8s_task  # type: ignore[method-assign]

if __name__ == "__main__":
    from tutor.commands.cli import main

    sys.argv[0] = "tutor"
    main()
