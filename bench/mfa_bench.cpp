// The cost of a second factor on the server: a TOTP check (open the sealed secret, three
// HMAC-SHA1 codes compared in constant time), a passkey assertion's verification per key
// type (CBOR, client data, signature), and sealing a secret.
#include "security/sealed.hpp"
#include "security/totp.hpp"
#include "support/soft_authenticator.hpp"
#include "webauthn/webauthn.hpp"

#include <benchmark/benchmark.h>

namespace {

void TotpCheck(benchmark::State& state) {
    const auto key = security::DataKey::generate();
    const std::string secret = "12345678901234567890";
    const auto sealed = key.seal(secret, "totp:user");
    const std::int64_t now = 1'700'000'000;
    const auto code = security::totp::code_at(secret, security::totp::step_at(now));
    for (auto _ : state) {
        auto opened = key.open(sealed, "totp:user");
        benchmark::DoNotOptimize(security::totp::accept(opened, code, now, std::nullopt));
    }
}
BENCHMARK(TotpCheck)->Unit(benchmark::kMicrosecond);

void PasskeyAssertion(benchmark::State& state) {
    const int alg = static_cast<int>(state.range(0));
    const webauthn::RelyingParty rp{"localhost", "Starter", {"http://localhost:3000"}};
    testing_support::SoftAuthenticator a(alg);
    a.keeps_counter = false;
    const auto key = webauthn::parse_cose_key(a.cose_key());
    auto c = a.get({{"rpId", "localhost"}, {"challenge", "Y2hhbGxlbmdl"}});
    auto member = [&](const char* name) { return *security::base64url_decode(c.at("response").at(name).as_string()); };
    const auto cdj = member("clientDataJSON"), auth = member("authenticatorData"), sig = member("signature");
    for (auto _ : state) benchmark::DoNotOptimize(webauthn::verify_assertion(rp, "Y2hhbGxlbmdl", key, cdj, auth, sig, true));
    state.SetLabel(alg == -7 ? "ES256" : alg == -8 ? "EdDSA" : "RS256");
}
BENCHMARK(PasskeyAssertion)->Arg(-7)->Arg(-8)->Arg(-257)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
