#include "db/libpq.hpp"

#include "common/shared_library.hpp"
#include "common/sonames.hpp"

#include <soci/postgresql/soci-postgresql.h>

namespace db {

const Libpq& libpq() {
    static const Libpq loaded = [] {
        // SOCI's backend first: it brings libpq with it, so the second load finds it loaded.
        const common::SharedLibrary backend(common::sonames::kSociPostgresql);
        const common::SharedLibrary library(common::sonames::kPq);
        return Libpq{
            // Declared extern "C" for loading, but inside namespace soci.
            .soci_backend = backend.function<decltype(soci::factory_postgresql)>("factory_postgresql")(),
            .conninfo_parse = STARTER_FUNCTION(library, PQconninfoParse),
            .conninfo_free = STARTER_FUNCTION(library, PQconninfoFree),
            .freemem = STARTER_FUNCTION(library, PQfreemem),
            .connect_start_params = STARTER_FUNCTION(library, PQconnectStartParams),
            .connect_poll = STARTER_FUNCTION(library, PQconnectPoll),
            .status = STARTER_FUNCTION(library, PQstatus),
            .error_message = STARTER_FUNCTION(library, PQerrorMessage),
            .socket = STARTER_FUNCTION(library, PQsocket),
            .set_nonblocking = STARTER_FUNCTION(library, PQsetnonblocking),
            .send_query = STARTER_FUNCTION(library, PQsendQuery),
            .flush = STARTER_FUNCTION(library, PQflush),
            .consume_input = STARTER_FUNCTION(library, PQconsumeInput),
            .notifies = STARTER_FUNCTION(library, PQnotifies),
            .is_busy = STARTER_FUNCTION(library, PQisBusy),
            .get_result = STARTER_FUNCTION(library, PQgetResult),
            .result_status = STARTER_FUNCTION(library, PQresultStatus),
            .clear = STARTER_FUNCTION(library, PQclear),
            .finish = STARTER_FUNCTION(library, PQfinish),
        };
    }();
    return loaded;
}

}  // namespace db
