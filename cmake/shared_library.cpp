// libklik.so is linked from the static library's objects (CMakeLists.txt, KLIK_SHARED);
// a shared library target needs a source of its own, and this is it.
