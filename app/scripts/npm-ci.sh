#!/bin/sh
# npm ci "$@", but when package-lock.json does not match a package.json, say what to do about it
# instead of npm's 60-line usage text. Used by the Dockerfile's deps stage.
set -u
err=$(mktemp)
if npm ci "$@" 2>"$err"; then
  rm -f "$err"
  exit 0
else
  status=$?
fi
if grep -q "are in sync" "$err"; then
  # npm names what differs: "Missing: left-pad@1.3.0 from lock file", "Invalid: lock file's …".
  grep -E "^npm error (Missing|Invalid): " "$err" >&2
  echo "package-lock.json is out of sync with package.json: run \`npm install\` and commit the lock file" >&2
else
  cat "$err" >&2
fi
rm -f "$err"
exit "$status"
