/**
 * The r-hub 1.x token scheme, improved: `validate_email` mails a fresh token and keeps only its
 * hash; every token an address was sent stays valid (validating a second machine does not lock out
 * the first), up to a bound. Private farms can instead accept any token for their own domains, or a
 * list of pre-shared tokens (FARM_RHUB_TOKEN_MODE).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { RhubAuthConfig } from '../config.ts';
import { errors } from '../errors.ts';
import type { Mailer } from '../mail/mailer.ts';
import { sha256, type RhubStore } from './rhub-store.ts';

/** What the client checks before it sends a token (`is_token()` in rhub 1.x). */
const TOKEN_SHAPE = /[a-zA-Z0-9]{6}/;
const EMAIL = /^[^\s@<>,;"]+@([^\s@<>,;"]+)$/;

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export class RhubTokens {
  private readonly presharedHashes: readonly string[];

  constructor(
    private readonly store: RhubStore,
    private readonly config: RhubAuthConfig,
    private readonly mailer: Mailer | null,
    private readonly publicUrl: string,
  ) {
    this.presharedHashes = config.presharedTokens.map(sha256);
  }

  /** Refuses malformed addresses and, where the farm names its domains, addresses outside them. */
  checkAddress(email: unknown): string {
    // Only a string is quoted back: String() of an object can throw (`{"toString": 1}`) or say nothing useful.
    if (typeof email !== 'string')
      throw errors.invalidRequest(
        `'email' must be a string holding an e-mail address, not ${email === null ? 'null' : Array.isArray(email) ? 'a list' : typeof email}`,
      );
    if (email.length > 254 || !EMAIL.test(email.trim())) throw errors.invalidRequest(`'${email.slice(0, 254)}' is not an e-mail address`);
    const address = email.trim();
    const domain = EMAIL.exec(address)![1].toLowerCase();
    const allowed = this.config.allowedDomains;
    if (allowed.length > 0 && !allowed.some((entry) => domain === entry || domain.endsWith(`.${entry}`))) {
      throw errors.emailNotAllowed(address, allowed);
    }
    return address;
  }

  /**
   * `POST /api/check/validate_email`: in `email` mode, mails a new token to the address; in the
   * other modes nothing is mailed and the answer says which token to enter.
   */
  async requestToken(email: unknown): Promise<{ message: string }> {
    const address = this.checkAddress(email);
    if (this.config.tokenMode === 'domain') {
      return { message: `this farm accepts any token of at least 6 letters or digits for ${address}: enter one of your choice` };
    }
    if (this.config.tokenMode === 'preshared') {
      return { message: "this farm accepts only its pre-shared tokens: enter the token the farm's admin gave you" };
    }
    if (!this.mailer) throw errors.mailNotSent('this farm has no mail server (FARM_SMTP_URL is unset); ask its admin for a token mode without e-mail');
    const token = randomBytes(16).toString('hex');
    await this.store.addToken(address, sha256(token));
    try {
      await this.mailer.send({
        to: address,
        subject: 'Your rfarm token',
        text: [
          `Your token for the rfarm at ${this.publicUrl} is:`,
          '',
          `    ${token}`,
          '',
          'Enter it where R asks for it, or on another machine run:',
          '',
          `    rhub::validate_email("${address}", "${token}")`,
          '',
          'Tokens you were sent before stay valid, so your other machines keep working.',
          'If you did not ask for this token, ignore this message.',
        ].join('\n'),
      });
    } catch (error) {
      throw errors.mailNotSent((error as Error).message);
    }
    return { message: `a token was sent to ${address}` };
  }

  /** Throws unless `token` is valid for `email` under the farm's token mode; returns the address. */
  async verify(email: unknown, token: unknown): Promise<string> {
    const address = this.checkAddress(email);
    if (typeof token !== 'string' || token === '') throw errors.emailNotValidated(address);
    if (this.config.tokenMode === 'domain') {
      if (!TOKEN_SHAPE.test(token)) throw errors.invalidToken(address);
      return address;
    }
    const hash = sha256(token);
    if (this.config.tokenMode === 'preshared') {
      if (!this.presharedHashes.some((known) => sameHash(known, hash))) throw errors.invalidToken(address);
      return address;
    }
    const stored = await this.store.tokens(address);
    if (stored.length === 0) throw errors.emailNotValidated(address);
    if (!stored.some((entry) => sameHash(entry.sha256, hash))) throw errors.invalidToken(address);
    return address;
  }
}
