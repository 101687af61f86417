#include "common/shared_library.hpp"

#include <dlfcn.h>

namespace common {

SharedLibrary::SharedLibrary(const char* soname) : soname_(soname) {
    // RTLD_NOW: a missing function is found here, not at its first call.
    handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
        const char* why = dlerror();
        throw SharedLibraryError(soname_ + " could not be loaded (" + (why ? why : "no reason given") +
                                 "); install the package that has it");
    }
}

void* SharedLibrary::address(const char* name) const {
    dlerror();
    void* found = dlsym(handle_, name);
    if (!found) throw SharedLibraryError(soname_ + " has no " + name);
    return found;
}

}  // namespace common
