#pragma once
// The PostgreSQL client, loaded on the first use of a postgresql:// database (common/
// shared_library.hpp): SOCI's backend for it and the libpq functions the change feed
// (db/listener.cpp) and URL parsing call directly. A server on SQLite never loads it.
#include <libpq-fe.h>

namespace soci {
class backend_factory;
}

namespace db {

struct Libpq {
    soci::backend_factory const* soci_backend;  // SOCI's postgresql backend, for session::open
    decltype(&PQconninfoParse) conninfo_parse;
    decltype(&PQconninfoFree) conninfo_free;
    decltype(&PQfreemem) freemem;
    decltype(&PQconnectStartParams) connect_start_params;
    decltype(&PQconnectPoll) connect_poll;
    decltype(&PQstatus) status;
    decltype(&PQerrorMessage) error_message;
    decltype(&PQsocket) socket;
    decltype(&PQsetnonblocking) set_nonblocking;
    decltype(&PQsendQuery) send_query;
    decltype(&PQflush) flush;
    decltype(&PQconsumeInput) consume_input;
    decltype(&PQnotifies) notifies;
    decltype(&PQisBusy) is_busy;
    decltype(&PQgetResult) get_result;
    decltype(&PQresultStatus) result_status;
    decltype(&PQclear) clear;
    decltype(&PQfinish) finish;
};

// Throws common::SharedLibraryError if SOCI's PostgreSQL backend or libpq cannot be loaded.
const Libpq& libpq();

}  // namespace db
