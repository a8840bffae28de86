/**
 * Docker's `units.HumanDuration` (go-units), the one wording of an elapsed time that
 * `ps` (Status "Up 2 minutes", RunningFor), `images`/`history` (CreatedSince) and the
 * API's container list all print. Its rules, kept exactly:
 * seconds and minutes are truncated ("89 seconds" is still "About a minute"); hours are
 * rounded to the nearest one (int(h + 0.5)) and days, weeks and months are whole
 * divisions of those rounded hours; years divide the truncated hours.
 */
export function humanDuration(seconds: number): string {
  const s = Math.trunc(seconds);
  if (!(s >= 1)) return 'Less than a second'; // also a negative one (clock skew) or NaN
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(seconds / 3600 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(seconds / 3600) / 24 / 365)} years`;
}
