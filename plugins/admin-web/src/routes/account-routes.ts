import type { Server } from "@hapi/hapi";
import Boom from "@hapi/boom";
import { ConflictError, MIN_PASSWORD_LENGTH, routeValidator, Type, USERNAME_PATTERN, type AccountService, type Logger, type Store } from "@presence-hub/core";
import { actor, ADMIN_ONLY, principalOf } from "./principal.js";

const Role = Type.Union([Type.Literal("admin"), Type.Literal("operator")]);
const Name = Type.String({ pattern: USERNAME_PATTERN.source, "x-hint": "1-64 letters, digits, . _ @ -" });
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024, description: `At least ${MIN_PASSWORD_LENGTH} characters.` });
const NameParams = Type.Object({ name: Name }, { additionalProperties: false });

export const NewAccount = Type.Object({ name: Name, password: Password, role: Role }, { additionalProperties: false });
export const AccountChange = Type.Object({ password: Type.Optional(Password), role: Type.Optional(Role) }, { additionalProperties: false, minProperties: 1 });
const AccountInfo = Type.Object({ name: Type.String(), role: Role });

/**
 * Admin and operator accounts (passwords scrypt-hashed by the core, never returned): list, add,
 * change password or role, delete. The last admin cannot be removed or demoted, and nobody can
 * delete the account they are signed in with: either would lock the admins out. `onDeleted`
 * removes what other parts keep per account.
 */
export function registerAccountRoutes(server: Server, accounts: AccountService, store: Store, audit: Logger, onDeleted: (name: string) => Promise<void> = async () => {}): void {
  const admins = async () => (await store.accounts.list()).filter((a) => a.role === "admin").length;
  server.route({
    method: "GET",
    path: "/api/v1/accounts",
    options: { auth: ADMIN_ONLY, description: "Accounts with their role.", plugins: { openapi: { response: Type.Object({ accounts: Type.Array(AccountInfo) }) } } },
    handler: async () => ({
      accounts: (await store.accounts.list()).map((a) => ({ name: a.username, role: a.role })).sort((a, b) => a.name.localeCompare(b.name)),
    }),
  });
  server.route({
    method: "POST",
    path: "/api/v1/accounts",
    options: {
      auth: ADMIN_ONLY,
      description: "Add an account (409 if the name exists).",
      payload: { allow: "application/json", maxBytes: 8 * 1024 },
      validate: { payload: routeValidator(NewAccount, "invalid account") },
      plugins: { openapi: { body: NewAccount, response: AccountInfo } },
    },
    handler: async (request, h) => {
      const body = request.payload as { name: string; password: string; role: "admin" | "operator" };
      if (await store.accounts.get(body.name)) throw new ConflictError("name", body.name, `account "${body.name}" already exists`);
      await accounts.addAccount(body.name, body.password, body.role);
      audit.info({ by: actor(request), account: body.name, role: body.role }, "account added");
      return h.response({ name: body.name, role: body.role }).code(201);
    },
  });
  server.route({
    method: "PUT",
    path: "/api/v1/accounts/{name}",
    options: {
      auth: ADMIN_ONLY,
      description: "Set an account's password and/or role.",
      payload: { allow: "application/json", maxBytes: 8 * 1024 },
      validate: { params: routeValidator(NameParams, "invalid path"), payload: routeValidator(AccountChange, "invalid account change") },
      plugins: { openapi: { body: AccountChange, response: AccountInfo } },
    },
    handler: async (request) => {
      const { name } = request.params as { name: string };
      const body = request.payload as { password?: string; role?: "admin" | "operator" };
      const account = await store.accounts.get(name);
      if (!account) throw Boom.notFound(`account "${name}" not found`);
      const role = body.role ?? account.role;
      if (account.role === "admin" && role !== "admin" && (await admins()) <= 1) throw new ConflictError("role", name, "the last admin account cannot become an operator");
      if (body.password !== undefined) await accounts.addAccount(name, body.password, role);
      else await store.accounts.save({ ...account, role });
      audit.info({ by: actor(request), account: name, role, passwordChanged: body.password !== undefined }, "account changed");
      return { name, role };
    },
  });
  server.route({
    method: "DELETE",
    path: "/api/v1/accounts/{name}",
    options: { auth: ADMIN_ONLY, description: "Delete an account (its sessions end at once).", validate: { params: routeValidator(NameParams, "invalid path") } },
    handler: async (request, h) => {
      const { name } = request.params as { name: string };
      const account = await store.accounts.get(name);
      if (!account) throw Boom.notFound(`account "${name}" not found`);
      const me = principalOf(request);
      if (me.kind === "account" && me.name === name) throw new ConflictError("name", name, "you cannot delete the account you are signed in with");
      if (account.role === "admin" && (await admins()) <= 1) throw new ConflictError("name", name, "the last admin account cannot be deleted");
      await store.accounts.remove(name);
      // What belonged to the account (its console contact list) goes too; a later account of the same name starts afresh.
      await onDeleted(name);
      audit.info({ by: actor(request), account: name }, "account deleted");
      return h.response().code(204);
    },
  });
}
