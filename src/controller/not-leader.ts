/** Thrown by the fence when this controller may no longer act: its lease is lost or could not be renewed in time. */
export class NotLeaderError extends Error {
  constructor(why = 'this controller is not the leader') {
    super(why);
    this.name = 'NotLeaderError';
  }
}
