// A typed client of the starter API: every path, method, request body and answer is checked
// by the TypeScript compiler against src/schema.d.ts, which scripts/generate-client makes from
// the server's OpenAPI document (never edit it by hand).
//
//   const api = createStarterClient("https://api.example.com");
//   const { data, error } = await api.POST("/api/auth/login", { body: { login, password } });
//   if (data && "authentication_token" in data) api.useToken(data.authentication_token);
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

export type { components, paths };
export type Schemas = components["schemas"];
export type User = Schemas["User"];
export type Session = Schemas["Session"];
export type ApiError = Schemas["Error"];
export type ValidationError = Schemas["ValidationError"];

export interface StarterClient extends Client<paths> {
  // Sends `Authorization: Bearer <token>` from now on (null: signed out).
  useToken(token: string | null): void;
}

export function createStarterClient(baseUrl = "", token: string | null = null): StarterClient {
  const client = createClient<paths>({ baseUrl });
  let current = token;
  client.use({
    onRequest({ request }) {
      if (current) request.headers.set("Authorization", `Bearer ${current}`);
      return request;
    },
  });
  return Object.assign(client, {
    useToken(next: string | null) {
      current = next;
    },
  });
}
