/**
 * The issuer's keys over time: the current signing key, the one before it, and the set published in the JWKS.
 */
import type { JSONWebKeySet } from 'jose';
import type { TestKey } from './keys.js';

/** Rotating set of signing keys. */
export class KeyRing {
  #current: TestKey;
  #previous: TestKey | undefined;
  #published: TestKey[];
  readonly #generate: () => Promise<TestKey>;

  /**
   * Starts with one key, current and published.
   *
   * @param first - the initial signing key.
   * @param generate - makes the next key on rotation.
   * @example new KeyRing(await createTestKey('ES256'), () => createTestKey('ES256'))
   */
  constructor(first: TestKey, generate: () => Promise<TestKey>) {
    this.#current = first;
    this.#published = [first];
    this.#generate = generate;
  }

  /** The key new tokens are signed with. */
  get current(): TestKey {
    return this.#current;
  }

  /** The key that was current before the last rotation, published or not. */
  get previous(): TestKey | undefined {
    return this.#previous;
  }

  /**
   * Makes a new current key and publishes it next to the others, or alone with `dropPrevious`.
   *
   * @param dropPrevious - remove every older key from the published set.
   * @example const { kid } = await ring.rotate(false);
   */
  async rotate(dropPrevious: boolean): Promise<TestKey> {
    const next = await this.#generate();
    this.#previous = this.#current;
    this.#current = next;
    this.#published = dropPrevious ? [next] : [...this.#published, next];
    return next;
  }

  /**
   * Unpublishes a key; the current key keeps signing even when unpublished.
   *
   * @param kid - the key's `kid`.
   * @returns whether a published key had that `kid`.
   * @example ring.remove(oldKid) // true
   */
  remove(kid: string): boolean {
    const before = this.#published.length;
    this.#published = this.#published.filter((key) => key.kid !== kid);
    return this.#published.length !== before;
  }

  /**
   * The public JWKS, a fresh copy each call.
   *
   * @example ring.jwks().keys[0]?.kid
   */
  jwks(): JSONWebKeySet {
    return { keys: this.#published.map((key) => ({ ...key.publicJWK })) };
  }
}
