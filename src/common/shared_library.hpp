#pragma once
// A shared library loaded on its first use instead of at every start. libcurl, the
// PostgreSQL client (with SOCI's backend for it) and libarchive bring 35 more libraries
// with them (Kerberos, LDAP, GnuTLS, ICU, ...): ~6.4 MB of memory and part of every start,
// in a process that may never reach PostgreSQL, send a mail or call out over HTTP.
// Their headers still type every function; the build names each file (build/generated/
// common/sonames.hpp, from the libraries it was built against). Each has a table: a struct
// whose first member loads the library and whose others are its functions, one line each
// (common/libcurl.hpp), made once on first use by a function-local static.
#include <stdexcept>
#include <string>

namespace common {

// The library or one of its functions could not be loaded; says which and why.
struct SharedLibraryError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SharedLibrary {
public:
    // Loads `soname` (e.g. "libcurl.so.4") once per process; it stays loaded.
    explicit SharedLibrary(const char* soname);

    // The function `name` as its header declares it: use STARTER_FUNCTION below, which
    // takes the type from the declaration without referring to the symbol at link time.
    template <class Function>
    Function* function(const char* name) const {
        return reinterpret_cast<Function*>(address(name));
    }

private:
    void* address(const char* name) const;

    std::string soname_;
    void* handle_ = nullptr;
};

}  // namespace common

// STARTER_FUNCTION(libcurl, curl_easy_init): that function of the loaded library, typed
// as <curl/curl.h> declares it.
#define STARTER_FUNCTION(library, name) (library).function<decltype(name)>(#name)
