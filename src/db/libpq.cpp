#include "db/libpq.hpp"

namespace db {

const Libpq& libpq() {
    static const Libpq loaded;
    return loaded;
}

}  // namespace db
