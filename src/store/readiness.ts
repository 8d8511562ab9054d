/** What `/health/ready` learns of the index from its backend (see Backend.probe). */
export interface IndexProbe {
  /** The index could be read just now, through a fresh connection. */
  reachable: boolean;
  /** Its schema is the one this build writes (store and queue migrations applied). */
  migrated: boolean;
  /** Why not, for the operator. */
  detail?: string;
}
