import type { Knex } from "knex";
import type { ApiToken, Role, TokenRepository } from "../../contracts/store.js";

export class KnexTokenRepository implements TokenRepository {
  constructor(private readonly knex: Knex) {}

  async create(token: ApiToken, tokenHash: string): Promise<void> {
    await this.knex("api_tokens").insert({ id: token.id, token_hash: tokenHash, role: token.role, label: token.label, created_at: token.createdAt });
  }

  async findByHash(tokenHash: string): Promise<ApiToken | null> {
    const r = await this.knex("api_tokens").where({ token_hash: tokenHash }).first();
    return r ? toToken(r) : null;
  }

  async list(): Promise<ApiToken[]> {
    return (await this.knex("api_tokens").select().orderBy("created_at")).map(toToken);
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.knex("api_tokens").where({ id }).delete()) > 0;
  }
}

function toToken(r: { id: string; role: string; label: string; created_at: string | number }): ApiToken {
  return { id: r.id, role: r.role as Role, label: r.label, createdAt: Number(r.created_at) };
}
