#include "api/openapi.hpp"

#include "audit/security_log.hpp"

#include "common/error_codes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace api {
namespace {

// The response schemas the routes name, as JSON Schema 2020-12 (OpenAPI 3.1), following
// api/views.cpp. Request schemas come from each body's field table (http/body.hpp).
constexpr const char* kSchemas = R"json({
  "Error": {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
      "code": {"type": "string", "examples": ["invalid_input"]},
      "message": {"type": "string", "description": "For humans"},
      "field": {"type": "string", "description": "The request field the error is about"},
      "request_id": {"type": "string", "description": "On 500 answers: quote it when reporting"},
      "feedback": {
        "type": "object",
        "description": "Why a password is too weak (zxcvbn)",
        "properties": {"warning": {"type": "string"}, "suggestions": {"type": "array", "items": {"type": "string"}}}
      }
    },
    "example": {"code": "invalid_input", "message": "The code is invalid or has expired. Request a new one.", "field": "email_verification_code"}
  },
  "ValidationError": {
    "type": "object",
    "required": ["code", "message", "errors"],
    "properties": {
      "code": {"const": "validation_failed"},
      "message": {"type": "string"},
      "errors": {
        "type": "array",
        "items": {
          "type": "object",
          "required": ["loc", "msg", "type"],
          "properties": {
            "loc": {"type": "array", "items": {"type": "string"}},
            "msg": {"type": "string"},
            "type": {"type": "string"}
          }
        }
      }
    },
    "example": {"code": "validation_failed", "message": "Request validation failed",
                "errors": [{"loc": ["body", "email"], "msg": "value is not a valid email address", "type": "value_error"}]}
  },
  "RateLimited": {
    "type": "object",
    "required": ["code", "message", "is_primary"],
    "properties": {
      "code": {"const": "rate_limited"},
      "message": {"type": "string"},
      "is_primary": {"type": "boolean", "description": "true: the API-wide limit; false: this route's own"}
    }
  },
  "User": {
    "type": "object",
    "required": ["id", "username", "email", "has_password", "auth_providers", "linked_providers", "mfa_enabled", "locale", "created_at", "updated_at", "last_login_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "username": {"type": "string", "minLength": 2, "maxLength": 32, "pattern": "^[A-Za-z0-9_.-]+$"},
      "email": {"type": "string", "format": "email"},
      "has_password": {"type": "boolean"},
      "auth_providers": {"type": "array", "items": {"type": "string"}, "description": "email_password when the account has a password, then each linked sign-in provider (google, facebook, github, or one of your own OAUTH_PROVIDERS)"},
      "linked_providers": {"type": "array", "items": {"type": "object", "required": ["provider", "email"], "properties": {"provider": {"type": "string"}, "email": {"type": ["string", "null"], "description": "The address the provider gave"}}}, "description": "Each sign-in provider identity linked to the account (POST /api/oauth/{provider}/link), with the address the provider gave"},
      "mfa_enabled": {"type": "boolean", "description": "Signing in asks for a second factor"},
      "locale": {"type": "string", "description": "The language of the user's emails (PATCH /api/users/@me changes it)"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "last_login_at": {"type": ["string", "null"], "format": "date-time"}
    },
    "example": {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "username": "jane", "email": "jane@example.com",
                "has_password": true, "auth_providers": ["email_password"], "linked_providers": [], "mfa_enabled": false, "locale": "en", "created_at": "2026-11-24T10:00:00Z",
                "updated_at": "2026-11-24T10:00:00Z", "last_login_at": "2026-11-24T10:00:00Z"}
  },
  "PublicUser": {
    "type": "object",
    "required": ["id", "username", "created_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "username": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"}
    }
  },
  "Location": {
    "type": "object",
    "properties": {
      "city": {"type": ["string", "null"]},
      "region": {"type": ["string", "null"]},
      "country": {"type": ["string", "null"]},
      "latitude": {"type": ["number", "null"]},
      "longitude": {"type": ["number", "null"]}
    }
  },
  "Session": {
    "type": "object",
    "required": ["id", "ip_address", "user_agent", "device", "location", "created_at", "last_active_at", "logged_out_at", "is_current"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "ip_address": {"type": "string"},
      "user_agent": {"type": "string"},
      "device": {"type": "string", "examples": ["Chrome 120 on Mac OS X 10.15"]},
      "location": {"oneOf": [{"$ref": "#/components/schemas/Location"}, {"type": "null"}]},
      "created_at": {"type": "string", "format": "date-time"},
      "last_active_at": {"type": "string", "format": "date-time"},
      "logged_out_at": {"type": ["string", "null"], "format": "date-time"},
      "is_current": {"type": "boolean"}
    }
  },
  "SessionList": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
  "SessionsRevoked": {
    "type": "object",
    "required": ["revoked"],
    "properties": {"revoked": {"type": "integer", "minimum": 0, "description": "How many sessions ended"}}
  },
  "SecurityEvent": {
    "type": "object",
    "required": ["id", "kind", "created_at", "ip_address", "device", "location", "details"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "kind": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"},
      "ip_address": {"type": "string"},
      "device": {"type": "string"},
      "location": {"oneOf": [{"$ref": "#/components/schemas/Location"}, {"type": "null"}]},
      "details": {"type": "object", "additionalProperties": true, "description": "What else is known, by kind (never a secret)"}
    }
  },
  "AdminUser": {
    "allOf": [
      {"$ref": "#/components/schemas/User"},
      {
        "type": "object",
        "required": ["role", "disabled_at", "erase_after"],
        "properties": {
          "role": {"enum": ["user", "admin"]},
          "disabled_at": {"type": ["string", "null"], "format": "date-time", "description": "Set: every sign-in is refused"},
          "erase_after": {"type": ["string", "null"], "format": "date-time", "description": "Set: its owner asked for deletion; erased then"}
        }
      }
    ]
  },
  "AdminUserPage": {
    "type": "object",
    "required": ["users", "next_cursor"],
    "properties": {
      "users": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUser"}},
      "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the next page; null on the last"}
    }
  },
  "AdminUserDetail": {
    "type": "object",
    "required": ["user", "sessions", "activity"],
    "properties": {
      "user": {"$ref": "#/components/schemas/AdminUser"},
      "sessions": {"$ref": "#/components/schemas/SessionList"},
      "activity": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEvent"}, "description": "The last 20, newest first"}
    }
  },
  "DeletionScheduled": {
    "type": "object",
    "required": ["erase_at"],
    "properties": {
      "erase_at": {"type": ["string", "null"], "format": "date-time", "description": "When the data will be erased; null: it was, at once (ACCOUNT_DELETION_GRACE=0)"}
    }
  },
  "AccountExport": {
    "type": "object",
    "description": "Everything kept about the account: profile, sessions, second factors and security activity",
    "required": ["exported_at", "user", "sessions", "second_factor", "passkeys", "activity"],
    "properties": {
      "exported_at": {"type": "string", "format": "date-time"},
      "user": {"$ref": "#/components/schemas/User"},
      "sessions": {"$ref": "#/components/schemas/SessionList"},
      "second_factor": {"$ref": "#/components/schemas/MfaStatus"},
      "passkeys": {"$ref": "#/components/schemas/PasskeyList"},
      "activity": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEvent"}, "description": "Newest first"}
    }
  },
  "SecurityActivity": {
    "type": "object",
    "required": ["events", "next_cursor"],
    "properties": {
      "events": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEvent"}, "description": "Newest first"},
      "next_cursor": {"type": ["string", "null"], "description": "Pass as ?cursor= for the older events; null on the last page"}
    }
  },
  "SignedIn": {
    "type": "object",
    "required": ["authentication_token", "user"],
    "properties": {
      "authentication_token": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "Send as Authorization: Bearer <token>"},
      "user": {"$ref": "#/components/schemas/User"},
      "password_breach_count": {"$ref": "#/components/schemas/PasswordBreachCount"}
    }
  },
  "MfaChallenge": {
    "type": "object",
    "required": ["mfa_required", "mfa_ticket", "methods"],
    "properties": {
      "mfa_required": {"const": true},
      "mfa_ticket": {"type": "string", "description": "Send to POST /api/auth/login/mfa with a second factor; valid 5 minutes, once, 5 wrong tries"},
      "methods": {"type": "array", "items": {"enum": ["totp", "recovery_code", "passkey"]}},
      "password_breach_count": {"$ref": "#/components/schemas/PasswordBreachCount"}
    }
  },
  "PasswordBreachCount": {
    "type": "integer", "minimum": 1,
    "description": "Present only when the password just used appears in known data breaches (Have I Been Pwned), this many times: ask the user to change it (they are emailed too)"
  },
  "SignInResult": {
    "description": "Signed in, or (the account has a second factor) the ticket for the second step",
    "oneOf": [{"$ref": "#/components/schemas/SignedIn"}, {"$ref": "#/components/schemas/MfaChallenge"}]
  },
  "LinkStart": {
    "type": "object",
    "required": ["authorization_url"],
    "properties": {"authorization_url": {"type": "string", "format": "uri", "description": "Send the browser here (the flow cookie set by this answer must go with it)"}}
  },
  "TotpEnrolment": {
    "type": "object",
    "required": ["secret", "otpauth_uri", "qr_svg"],
    "properties": {
      "secret": {"type": "string", "description": "Base32, for typing into an authenticator app"},
      "otpauth_uri": {"type": "string", "examples": ["otpauth://totp/Starter:jane%40example.com?secret=...&issuer=Starter&algorithm=SHA1&digits=6&period=30"]},
      "qr_svg": {"type": "string", "description": "The URI as a QR code, an SVG document"}
    }
  },
  "RecoveryCodes": {
    "type": "object",
    "required": ["recovery_codes"],
    "properties": {
      "recovery_codes": {"type": "array", "items": {"type": "string"}, "description": "Shown once; each works once. Empty when the user already had a set"}
    }
  },
  "MfaStatus": {
    "type": "object",
    "required": ["totp", "passkeys", "recovery_codes_left"],
    "properties": {
      "totp": {"type": "boolean", "description": "A confirmed authenticator app"},
      "passkeys": {"type": "integer", "minimum": 0},
      "recovery_codes_left": {"type": "integer", "minimum": 0}
    }
  },
  "Passkey": {
    "type": "object",
    "required": ["id", "name", "created_at", "last_used_at"],
    "properties": {
      "id": {"type": "string", "description": "The credential id, base64url"},
      "name": {"type": "string"},
      "created_at": {"type": "string", "format": "date-time"},
      "last_used_at": {"type": ["string", "null"], "format": "date-time"}
    }
  },
  "PasskeyList": {"type": "array", "items": {"$ref": "#/components/schemas/Passkey"}},
  "PasskeyCreationOptions": {
    "type": "object",
    "description": "PublicKeyCredentialCreationOptions with base64url binary members: pass to PublicKeyCredential.parseCreationOptionsFromJSON, then navigator.credentials.create",
    "required": ["rp", "user", "challenge", "pubKeyCredParams"],
    "additionalProperties": true
  },
  "PasskeyRequestOptions": {
    "type": "object",
    "description": "PublicKeyCredentialRequestOptions with base64url binary members: pass to PublicKeyCredential.parseRequestOptionsFromJSON, then navigator.credentials.get",
    "required": ["challenge", "rpId"],
    "additionalProperties": true
  },
  "Accepted": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
  "Health": {"type": "object", "required": ["status"], "properties": {"status": {"const": "OK"}}},
  "Readiness": {
    "type": "object",
    "required": ["status", "database", "redis"],
    "properties": {
      "status": {"enum": ["OK", "unavailable", "draining"]},
      "database": {"enum": ["ok", "unavailable"]},
      "redis": {"enum": ["ok", "unavailable", "disabled"]}
    }
  }
})json";

// A response's description: what the status means, and for an error the codes that come
// with it (from common::kErrorCodes).
std::string reason(int status) {
    std::string text;
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No content";
        case 302:
            return "Redirect (see Location)";
        case 400:
            text = "Refused";
            break;
        case 401:
            text = "Missing, unknown or expired token";
            break;
        case 403:
            text = "Needs the current password or a recent sign-in";
            break;
        case 404:
            text = "Not found";
            break;
        case 413:
            text = "Body larger than 64 KiB";
            break;
        case 422:
            text = "Field errors";
            break;
        case 429:
            text = "Rate limited; see Retry-After";
            break;
        case 500:
            text = "A bug; quote request_id";
            break;
        case 503:
            text = "A dependency is unavailable";
            break;
        default:
            return "Answer";
    }
    std::string codes;
    for (const auto& c : common::kErrorCodes)
        if (c.status == status) codes += (codes.empty() ? "" : ", ") + std::string(c.code);
    return codes.empty() ? text : text + " (" + codes + ")";
}

boost::json::object ref(const std::string& schema) { return {{"$ref", "#/components/schemas/" + schema}}; }

boost::json::object response(int status, const std::string& schema) {
    boost::json::object r{{"description", reason(status)}};
    if (!schema.empty()) r["content"] = {{"application/json", {{"schema", ref(schema)}}}};
    if (status == 302) r["headers"] = {{"Location", {{"schema", {{"type", "string"}}}}}};
    if (status == 429)
        r["headers"] = {
            {"Retry-After", {{"description", "Seconds until a retry can succeed"}, {"schema", {{"type", "integer"}}}}}};
    return r;
}

std::string operation_id(const http::Route& route) {
    std::string id;
    for (char c : route.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char c : route.pattern) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            id += c;
        else if (!id.empty() && id.back() != '_')
            id += '_';
    }
    while (!id.empty() && id.back() == '_') id.pop_back();
    return id;
}

}  // namespace

boost::json::object openapi_document(const http::Router& router, const OpenApiInfo& info) {
    boost::json::object paths;
    std::set<std::string> tags;
    for (const auto& route : router.routes()) {
        const auto& doc = route->doc;
        if (doc.hidden) continue;
        boost::json::object op{{"operationId", operation_id(*route)}, {"summary", route->summary}};
        if (!doc.tag.empty()) {
            op["tags"] = boost::json::array{boost::json::value(doc.tag)};
            tags.insert(doc.tag);
        }
        std::string description;
        if (!route->exempt_from_rate_limits)
            description =
                "Rate limit: " + (route->limit_text.empty() ? std::string("the API-wide limit only")
                                                            : route->limit_text + " per client IP, plus the API-wide limit");
        else
            description = "Not rate limited.";
        op["description"] = description;
        if (!route->limit_text.empty()) op["x-rate-limit"] = route->limit_text;

        boost::json::array parameters;
        for (const auto& segment : route->segments) {
            if (segment.size() < 2 || segment.front() != '{') continue;
            parameters.push_back(boost::json::object{{"name", segment.substr(1, segment.size() - 2)},
                                                     {"in", "path"},
                                                     {"required", true},
                                                     {"schema", {{"type", "string"}}}});
        }
        for (const auto& [name, text] : doc.query)
            parameters.push_back(boost::json::object{
                {"name", name}, {"in", "query"}, {"required", false}, {"description", text}, {"schema", {{"type", "string"}}}});
        if (!parameters.empty()) op["parameters"] = std::move(parameters);

        if (!doc.request_schema.empty() || doc.accepts_form) {
            boost::json::object content;
            if (!doc.request_schema.empty()) content["application/json"] = {{"schema", ref(doc.request_schema)}};
            if (doc.accepts_form) content["application/x-www-form-urlencoded"] = {{"schema", {{"type", "object"}}}};
            op["requestBody"] = {{"required", !doc.request_optional && !doc.request_schema.empty()},
                                 {"content", std::move(content)}};
        }

        boost::json::object responses;
        for (const auto& [status, schema] : doc.responses) responses[std::to_string(status)] = response(status, schema);
        auto add = [&](int status, const char* schema) {
            auto key = std::to_string(status);
            if (!responses.contains(key)) responses[key] = response(status, schema);
        };
        if (!doc.request_schema.empty()) {
            add(400, "Error");
            add(413, "Error");
            add(422, "ValidationError");
        }
        if (doc.authenticated) add(401, "Error");
        if (!route->exempt_from_rate_limits) add(429, "RateLimited");
        add(500, "Error");
        op["responses"] = std::move(responses);
        if (doc.authenticated)
            op["security"] = boost::json::array{boost::json::object{{"bearer", boost::json::array{}}},
                                                boost::json::object{{"token_header", boost::json::array{}}}};

        std::string method;
        for (char c : route->method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto& item = paths[route->pattern];
        if (!item.is_object()) item = boost::json::object{};
        item.as_object()[method] = std::move(op);
    }

    auto schemas = boost::json::parse(kSchemas).as_object();
    boost::json::array codes;
    std::string code_list = "Stable, machine-readable:";
    for (const auto& c : common::kErrorCodes) {
        codes.emplace_back(c.code);
        code_list += "\n- `" + std::string(c.code) + "` (" + std::to_string(c.status) + "): " + std::string(c.meaning);
    }
    auto& code = schemas["Error"].as_object()["properties"].as_object()["code"].as_object();
    code["enum"] = std::move(codes);
    code["description"] = code_list;
    // The event kinds, from audit::kKinds.
    boost::json::array kinds;
    std::string kind_list = "What happened:";
    for (const auto& k : audit::kKinds) {
        kinds.emplace_back(k.name);
        kind_list += "\n- `" + std::string(k.name) + "`: " + std::string(k.description);
    }
    auto& kind = schemas["SecurityEvent"].as_object()["properties"].as_object()["kind"].as_object();
    kind["enum"] = std::move(kinds);
    kind["description"] = kind_list;
    for (const auto& route : router.routes())
        if (!route->doc.request_schema.empty()) schemas[route->doc.request_schema] = route->doc.request_json;

    boost::json::array tag_list;
    for (const auto& t : tags) tag_list.push_back(boost::json::object{{"name", t}});
    boost::json::object document{
        {"openapi", "3.1.0"},
        {"info",
         {{"title", info.title},
          {"version", info.version},
          {"description",
           "Authentication and user backend. Every error body is {code, message}; every response carries X-Request-ID. "
           "docs/api.md in the repository is this document as a readable reference."}}},
        {"servers", boost::json::array{boost::json::object{{"url", info.server_url}}}},
        {"tags", std::move(tag_list)},
        {"paths", std::move(paths)},
        {"components",
         {{"schemas", std::move(schemas)},
          {"securitySchemes",
           {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "64 hex characters from login or register"}}},
            {"token_header",
             {{"type", "apiKey"},
              {"in", "header"},
              {"name", "X-Authentication-Token"},
              {"description", "The reference starter's header"}}}}}}}};
    return document;
}

}  // namespace api
