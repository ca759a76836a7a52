# make install into a DESTDIR, and programs outside the tree built against
# the installed libraries through their pkg-config files.
SCRIPT_TESTS += tests/install/check-install
