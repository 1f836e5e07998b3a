#!/usr/bin/env bash
# The scan step of the serverless-guard GitHub Action (action.yml at the repository's root); tests run it as
# it is (tests/test_integrations.py). Inputs arrive as environment variables, never interpolated into the
# script, so no input can inject shell.
#   SG_COMMAND   the serverless-guard command (the action installs it into its own virtual environment)
#   SG_PATH      what to scan: program folders, stack exports or previews, separated by spaces
#   SG_SETTINGS, SG_STACK, SG_FAIL_ON, SG_SARIF, SG_HTML: the command's --settings, --stack, --fail-on,
#                --sarif and --html (empty: not given);  SG_PREVIEW: "true" for --preview
# Exits with the command's code (0 clean, 1 mandatory violations or --fail-on, 2 an input or usage error) and
# writes it to the step's outputs as exit-code.
set -uo pipefail
args=(scan)
read -r -a paths <<< "${SG_PATH:-.}"
args+=("${paths[@]}")
[ -n "${SG_SETTINGS:-}" ] && args+=(--settings "$SG_SETTINGS")
[ -n "${SG_STACK:-}" ] && args+=(--stack "$SG_STACK")
[ -n "${SG_FAIL_ON:-}" ] && args+=(--fail-on "$SG_FAIL_ON")
[ "${SG_PREVIEW:-false}" = "true" ] && args+=(--preview)
[ -n "${SG_SARIF:-}" ] && args+=(--sarif "$SG_SARIF")
[ -n "${SG_HTML:-}" ] && args+=(--html "$SG_HTML")
"${SG_COMMAND:-serverless-guard}" "${args[@]}"
code=$?
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
