#!/usr/bin/env bash
# The widget's first render on articles of 2,000 and 20,000 approved comments (issue #28
# item 4), in headless Chromium (Debian's chromium and chromium-driver), against a release
# build: from navigation to the first page of comments in the document, timed by the page.
set -euo pipefail
cd "$(dirname "$0")/.."
REPLYGUARD_REQUIRE_BROWSER=1 cargo test --release --test api -- --ignored --exact \
  browser::first_render_of_big_threads --nocapture 2>/dev/null | grep '^|'
