#!/bin/sh
# A stand-in for `claude` that records when it was started (epoch nanoseconds, into
# $STAND_IN_STARTED) and exits at once: bench/start measures how long a wrapper takes to spawn
# Claude apart from how long Claude itself takes. It answers --version as the pinned claude does,
# so the wrapper takes it for that version.
if [ "$1" = "--version" ]; then
  echo "$STAND_IN_VERSION (Claude Code)"
  exit 0
fi
date +%s%N >"$STAND_IN_STARTED"
