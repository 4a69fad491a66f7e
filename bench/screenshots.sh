#!/usr/bin/env bash
# Regenerates the screenshots in docs/ (the demo article light, dark and with field errors;
# the widget in Spanish;
# the moderation queue and a comment in context) from the browser tests that take them, in
# headless Chromium (Debian's chromium and chromium-driver) with axe-core installed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tests/a11y --no-audit --no-fund >/dev/null
REPLYGUARD_UPDATE_SCREENSHOTS=1 REPLYGUARD_REQUIRE_BROWSER=1 REPLYGUARD_REQUIRE_NPM=1 \
  cargo test --test api -- browser::axe_finds browser::a_moderator_clears_the_queue \
  browser::the_widget_speaks_each
ls -l docs/*.png
