"""Browser tests: a real server and Debian's Chromium driven by Playwright."""
