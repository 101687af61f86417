#include "oauth/social_sign_in.hpp"

#include "accounts/validation.hpp"
#include "common/time.hpp"
#include "common/refusal.hpp"
#include "common/url.hpp"
#include "notify/emails.hpp"
#include "observe/log.hpp"
#include "security/hash.hpp"
#include "security/jwt.hpp"
#include "security/random.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace oauth {
namespace {

// Why a callback did not sign anyone in; the value is the error_code the redirect carries.
struct SignInRefused : std::runtime_error {
    explicit SignInRefused(const char* error_code, const std::string& why) : std::runtime_error(why), code(error_code) {}
    const char* code;
};

constexpr const char* kCallbackFailed = "oauth_callback";
constexpr const char* kCreateFailed = "oauth_account_create";
constexpr const char* kNotLinked = "oauth_account_not_linked";
constexpr const char* kIdentityInUse = "oauth_identity_in_use";
constexpr const char* kAlreadyLinked = "oauth_provider_already_linked";

// Where a refused flow sends the browser (`target` with ?error_code=), logged with why.
std::string refused(const std::string& provider, const std::string& target, const char* code, const std::string& why) {
    observe::warn("oauth.sign_in_failed", {{"provider", provider}, {"error_code", code}, {"reason", why}});
    return common::with_query_param(target, "error_code", code);
}

// The PKCE verifier and the OIDC nonce come from the browser's secret cookie,
// so nothing stored server-side is enough to finish a flow.
std::string derive(std::string_view purpose, const std::string& browser_secret) {
    return security::base64url_encode(security::sha256_bytes(std::string(purpose) + ":" + browser_secret));
}
std::string code_verifier(const std::string& s) { return derive("pkce", s); }
std::string nonce(const std::string& s) { return derive("nonce", s); }

}  // namespace

void SocialSignIn::add(std::unique_ptr<Provider> provider) {
    std::string name(provider->name());
    providers_[name] = std::move(provider);
}

std::vector<std::string> SocialSignIn::enabled_providers() const {
    std::vector<std::string> out;
    for (const auto& [name, _] : providers_) out.push_back(name);
    return out;
}

std::string SocialSignIn::callback_url(std::string_view provider) const {
    return policy_.public_url + "/api/oauth/" + std::string(provider) + "/callback";
}

Provider& SocialSignIn::provider(const std::string& name) const {
    auto it = providers_.find(name);
    if (it == providers_.end())
        throw common::Refusal(common::Refusal::Kind::not_found, "not_found", "This sign-in provider is not enabled");
    return *it->second;
}

SignInStart SocialSignIn::begin_link(const std::string& provider, const sessions::Authenticated& viewer,
                                     const std::optional<std::string>& redirect_to) {
    (void)this->provider(provider);  // 404 for a provider that is off, before asking for a recent sign-in
    accounts_.require_recent_authentication(viewer);
    return begin(provider, redirect_to, viewer.user_id);
}

void SocialSignIn::unlink(const std::string& provider, const sessions::Authenticated& viewer, const sessions::RequestMeta& meta) {
    accounts_.require_recent_authentication(viewer);
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto& s = tx.session();
    auto user = users_.by_id(s, viewer.user_id);
    if (!user || !user->linked_to(provider))
        throw common::Refusal(common::Refusal::Kind::not_found, "not_found", "This provider is not linked to your account");
    if (!user->has_password() && user->oauth_providers.size() == 1 && passkeys_.count(s, user->id) == 0)
        throw common::invalid_input("Set a password or add a passkey first: this provider is your only way to sign in",
                                    "provider");
    const auto now = common::now_ms();
    store_.unlink(s, user->id, provider);
    accounts_.identities_changed(tx, user->id, now);
    audit::record(tx, audit::Kind::provider_unlinked, user->id, meta, {{"provider", provider}}, now);
    notify::enqueue(s, user->email, notify::emails::ProviderUnlinked{accounts::origin(meta), display_name(provider)},
                    user->locale);
    tx.commit();
}

SignInStart SocialSignIn::begin(const std::string& name, const std::optional<std::string>& redirect_to,
                                const std::optional<std::string>& link_user_id) {
    auto& p = provider(name);
    std::string target = redirect_to.value_or(policy_.default_redirect);
    auto url = common::parse_absolute_url(target);
    if (!url ||
        std::find(policy_.allowed_origins.begin(), policy_.allowed_origins.end(), url->origin) == policy_.allowed_origins.end())
        throw common::invalid_input(
            "redirect_to must be a URL on an allowed origin "
            "(OAUTH_REDIRECT_ALLOWED_ORIGINS)",
            "redirect_to");

    SignInStart start;
    start.browser_secret = security::random_hex(32);
    const std::string state = security::random_hex(32);
    // First the provider's address (an OpenID provider may have to be asked): a provider
    // that cannot be reached leaves no flow behind.
    try {
        start.authorization_url = p.authorization_url(
            {state, callback_url(name), security::base64url_encode(security::sha256_bytes(code_verifier(start.browser_secret))),
             nonce(start.browser_secret)});
    } catch (const ProviderError& e) {  // an OpenID provider whose discovery document cannot be read
        observe::warn("oauth.provider_unavailable", {{"provider", name}, {"reason", e.what()}});
        throw common::Refusal(common::Refusal::Kind::unavailable, "unavailable",
                              "The sign-in provider cannot be reached; try again shortly");
    }
    const auto now = common::now_ms();
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    store_.save_state(tx.session(), security::sha256_hex(state),
                      {name, security::sha256_hex(start.browser_secret), target, now + policy_.state_ttl.count(), link_user_id},
                      now);
    tx.commit();
    return start;
}

std::string SocialSignIn::complete(const std::string& name, const CallbackParams& params,
                                   const std::optional<std::string>& browser_secret, const sessions::RequestMeta& meta) {
    auto& p = provider(name);
    auto refuse = [&](const std::string& target, const char* code, const std::string& why) {
        return refused(name, target, code, why);
    };

    // 1. The state must be one we issued, for this provider, unexpired, unused,
    // and
    //    presented by the browser that started the flow.
    std::optional<PendingSignIn> pending;
    if (params.state && params.state->size() <= 256) {
        const auto state_hash = security::sha256_hex(*params.state);
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        pending = store_.find_state(tx.session(), state_hash);
        if (!pending) return refuse(policy_.default_redirect, kCallbackFailed, "unknown or already used state");
        if (pending->provider != name) return refuse(policy_.default_redirect, kCallbackFailed, "state of another provider");
        // A foreign browser (login CSRF) does not consume the victim's flow.
        if (!browser_secret || !security::constant_time_equal(security::sha256_hex(*browser_secret), pending->browser_hash))
            return refuse(pending->redirect_to, kCallbackFailed, "state not bound to this browser (cookie missing or different)");
        if (!store_.delete_state(tx.session(), state_hash))
            return refuse(pending->redirect_to, kCallbackFailed, "state used concurrently");
        tx.commit();
        if (pending->expires_at <= common::now_ms()) return refuse(pending->redirect_to, kCallbackFailed, "state expired");
    } else {
        return refuse(policy_.default_redirect, kCallbackFailed, "no state");
    }
    if (params.error) return refuse(pending->redirect_to, kCallbackFailed, "provider error: " + params.error->substr(0, 100));
    // A mix-up attack (RFC 9207): another provider's answer replayed at this callback.
    if (params.iss && !p.issuer().empty() && *params.iss != p.issuer())
        return refuse(pending->redirect_to, kCallbackFailed, "the callback names another issuer");
    if (!params.code || params.code->empty() || params.code->size() > 2048)
        return refuse(pending->redirect_to, kCallbackFailed, "no authorization code");

    // 2. Ask the provider who this is (no database connection held meanwhile).
    Identity identity;
    try {
        identity = p.identify(*params.code, callback_url(name), code_verifier(*browser_secret), nonce(*browser_secret));
    } catch (const ProviderError& e) {
        return refuse(pending->redirect_to, kCallbackFailed, e.what());
    }

    if (pending->link_user_id) return finish_link(name, *pending, identity, meta);

    // 3. The account rules, and a one-time code for the front end.
    const std::string login_code = security::random_hex(32);
    try {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        const auto now = common::now_ms();
        auto user = resolve_account(tx, name, identity, meta, now);
        store_.save_login_code(tx.session(), security::sha256_hex(login_code), {user.id, name, meta.to_json()},
                               now + policy_.login_code_ttl.count(), now);
        tx.commit();
        observe::info("oauth.signed_in", {{"provider", name}, {"user_id", user.id}});
    } catch (const SignInRefused& e) {
        return refuse(pending->redirect_to, e.code, e.what());
    }
    return common::with_query_param(pending->redirect_to, "code", login_code);
}

std::string SocialSignIn::finish_link(const std::string& name, const PendingSignIn& pending, const Identity& identity,
                                      const sessions::RequestMeta& meta) {
    auto refuse = [&](const char* code, const std::string& why) { return refused(name, pending.redirect_to, code, why); };
    auto lease = pool_.acquire();
    db::Transaction tx(lease);
    auto& s = tx.session();
    const auto now = common::now_ms();
    auto user = users_.by_id(s, *pending.link_user_id);
    if (!user || user->disabled_at) return refuse(kCallbackFailed, "the account to link to is gone or disabled");
    auto done = common::with_query_param(pending.redirect_to, "linked", name);
    if (auto owner = store_.linked_user(s, name, identity.subject)) {
        // Never moved from one account to another: its owner there would lose a way in.
        if (*owner != user->id) return refuse(kIdentityInUse, "this identity is linked to another account");
        return done;  // linked already
    }
    if (user->linked_to(name)) return refuse(kAlreadyLinked, "the account has another identity of this provider");
    const auto email = accounts::normalize_email(identity.email).value_or("");
    try {
        store_.link(s, user->id, name, identity.subject, email, now);
        accounts_.identities_changed(tx, user->id, now);
    } catch (const soci::soci_error& e) {  // a concurrent flow linked it first
        return refuse(kIdentityInUse, std::string("linking lost a race: ") + db::describe_error(e));
    }
    audit::record(tx, audit::Kind::provider_linked, user->id, meta, {{"provider", name}, {"email", email}}, now);
    notify::enqueue(s, user->email, notify::emails::ProviderLinked{accounts::origin(meta), display_name(name), email},
                    user->locale);
    tx.commit();
    observe::info("oauth.linked", {{"provider", name}, {"user_id", user->id}});
    return done;
}

accounts::User SocialSignIn::resolve_account(db::Transaction& tx, const std::string& provider, const Identity& identity,
                                             const sessions::RequestMeta& meta, std::int64_t now) {
    auto& s = tx.session();
    if (auto user_id = store_.linked_user(s, provider, identity.subject)) {
        auto user = users_.by_id(s, *user_id);
        if (!user) throw SignInRefused(kCallbackFailed, "linked account vanished");
        return *user;
    }
    auto email = accounts::normalize_email(identity.email);
    if (!email) throw SignInRefused(kCreateFailed, "the provider shared no usable email address");
    // Linking to an existing account needs that account's consent: never
    // silently.
    if (users_.by_email(s, *email)) throw SignInRefused(kNotLinked, "an account with this email exists without this provider");

    accounts::User user;
    user.id = security::uuid4();
    user.username = unique_username(s, *email);
    user.email = *email;
    user.locale = meta.locale;
    user.created_at = user.updated_at = now;
    try {
        accounts_.create_user(s, user);
        store_.link(s, user.id, provider, identity.subject, *email, now);
        audit::record(tx, audit::Kind::registered, user.id, meta, {{"method", provider}}, now);
    } catch (const soci::soci_error& e) {
        // A concurrent sign-in took the username, email or link first.
        throw SignInRefused(kCreateFailed, std::string("account creation lost a race: ") + db::describe_error(e));
    }
    user.oauth_providers.push_back({provider, *email});
    return user;
}

std::string SocialSignIn::unique_username(soci::session& s, const std::string& email) const {
    // "Jane.Doe+news@example.com" -> "Jane.Doe"; then "Jane.Doe_4821" etc. when
    // taken.
    std::string base;
    for (char c : email.substr(0, email.find('@'))) {
        if (c == '+') break;
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') base += c;
    }
    base = base.substr(0, 24);
    if (base.size() < 2 || std::all_of(base.begin(), base.end(), [](unsigned char c) { return std::isdigit(c); }))
        base = "user" + base.substr(0, 20);
    if (!users_.by_username(s, base)) return base;
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string candidate = base + "_" + security::random_hex(2 + attempt / 4);
        if (!users_.by_username(s, candidate)) return candidate;
    }
    return "user_" + security::random_hex(8);
}

accounts::SignInOutcome SocialSignIn::redeem(const std::string& login_code) {
    return accounts_.recording_disabled([&] {
        auto lease = pool_.acquire();
        db::Transaction tx(lease);
        const auto now = common::now_ms();
        auto grant = store_.take_login_code(tx.session(), security::sha256_hex(login_code), now);
        if (!grant) {
            tx.commit();  // an expired code found on the way is gone for good
            throw common::invalid_input("The login code is invalid, used or expired. Sign in again.", "code");
        }
        auto user = users_.by_id(tx.session(), grant->user_id);
        if (!user) throw common::invalid_input("The login code is invalid, used or expired. Sign in again.", "code");
        auto outcome = accounts_.sign_in(tx, *user, sessions::RequestMeta::from_json(grant->meta_json), now, grant->provider);
        tx.commit();
        return outcome;
    });
}

}  // namespace oauth
