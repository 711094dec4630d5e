/** Query parameters that carry credentials (EventSource clients cannot send headers). */
const CREDENTIAL_PARAMS = /([?&](?:access_token|token|api_key|apikey|key)=)[^&#]*/gi;

/** The URL with credential query parameters blanked, for logs and traces. */
export function redactCredentialsInUrl(url: string): string {
  return url.replace(CREDENTIAL_PARAMS, '$1[redacted]');
}
