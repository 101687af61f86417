#pragma once
// The PostgreSQL client, loaded on the first use of a postgresql:// database (common/
// shared_library.hpp): SOCI's backend for it and the libpq functions the change feed
// (db/listener.cpp) and URL parsing call directly. A server on SQLite never loads it.
#include "common/shared_library.hpp"
#include "common/sonames.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>

namespace db {

struct Libpq {
    // SOCI's backend first: it brings libpq with it, so `library` finds it loaded.
    common::SharedLibrary backend{common::sonames::kSociPostgresql};
    common::SharedLibrary library{common::sonames::kPq};
    // For soci::session::open. Declared extern "C" (for loading) inside namespace soci.
    soci::backend_factory const* soci_backend = backend.function<decltype(soci::factory_postgresql)>("factory_postgresql")();
    decltype(&PQconninfoParse) conninfo_parse = STARTER_FUNCTION(library, PQconninfoParse);
    decltype(&PQconninfoFree) conninfo_free = STARTER_FUNCTION(library, PQconninfoFree);
    decltype(&PQfreemem) freemem = STARTER_FUNCTION(library, PQfreemem);
    decltype(&PQconnectStartParams) connect_start_params = STARTER_FUNCTION(library, PQconnectStartParams);
    decltype(&PQconnectPoll) connect_poll = STARTER_FUNCTION(library, PQconnectPoll);
    decltype(&PQstatus) status = STARTER_FUNCTION(library, PQstatus);
    decltype(&PQerrorMessage) error_message = STARTER_FUNCTION(library, PQerrorMessage);
    decltype(&PQsocket) socket = STARTER_FUNCTION(library, PQsocket);
    decltype(&PQsetnonblocking) set_nonblocking = STARTER_FUNCTION(library, PQsetnonblocking);
    decltype(&PQsendQuery) send_query = STARTER_FUNCTION(library, PQsendQuery);
    decltype(&PQflush) flush = STARTER_FUNCTION(library, PQflush);
    decltype(&PQconsumeInput) consume_input = STARTER_FUNCTION(library, PQconsumeInput);
    decltype(&PQnotifies) notifies = STARTER_FUNCTION(library, PQnotifies);
    decltype(&PQisBusy) is_busy = STARTER_FUNCTION(library, PQisBusy);
    decltype(&PQgetResult) get_result = STARTER_FUNCTION(library, PQgetResult);
    decltype(&PQresultStatus) result_status = STARTER_FUNCTION(library, PQresultStatus);
    decltype(&PQclear) clear = STARTER_FUNCTION(library, PQclear);
    decltype(&PQfinish) finish = STARTER_FUNCTION(library, PQfinish);
};

// Throws common::SharedLibraryError if SOCI's PostgreSQL backend or libpq cannot be loaded.
const Libpq& libpq();

}  // namespace db
