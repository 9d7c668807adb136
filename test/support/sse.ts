/**
 * A GraphQL subscription over Server-Sent Events (Yoga's general path), read as it arrives: each
 * event's `data:` JSON both as sent (`texts`, for byte comparisons) and parsed (`payloads`).
 */
export async function sseSubscription(url: string, query: string, variables: Record<string, unknown>, token: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const texts: string[] = [];
  const payloads: any[] = [];
  let raw = '';
  let firstData = () => {};
  const started = new Promise<void>((resolve) => (firstData = resolve));
  /** Resolves when the server ends the stream (or it is cancelled). */
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      raw += decoder.decode(value, { stream: true });
      for (let cut = raw.indexOf('\n\n'); cut >= 0; cut = raw.indexOf('\n\n')) {
        const data = raw
          .slice(0, cut)
          .split('\n')
          .find((l) => l.startsWith('data:'));
        raw = raw.slice(cut + 2);
        const text = data?.slice(5).trim();
        if (!text?.startsWith('{')) continue;
        texts.push(text);
        payloads.push(JSON.parse(text));
        firstData();
      }
    }
    return { at: Date.now(), payloads };
  })();
  return { status: res.status, texts, payloads, started, ended, cancel: () => reader.cancel() };
}
