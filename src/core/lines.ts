/**
 * Splits a byte stream into text lines without holding more than one chunk: memory does
 * not grow with the size of the object. The callback is synchronous on purpose; an async
 * generator per line costs more than parsing the line.
 * @module
 */

/**
 * Calls `onLine` for every line of UTF-8 text in `stream` (LF or CRLF; the last line may
 * lack a terminator). Resolves with the number of lines seen.
 */
export async function forEachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<number> {
  const decoder = new TextDecoder("utf-8");
  const reader = stream.getReader();
  let carry = "";
  let count = 0;
  const emit = (line: string) => {
    count++;
    onLine(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  };
  for (;;) {
    const { done, value } = await reader.read();
    const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl !== -1) {
      emit(carry + text.slice(0, nl));
      carry = "";
      start = nl + 1;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        emit(text.slice(start, nl));
        start = nl + 1;
      }
    }
    carry += text.slice(start);
    if (done) break;
  }
  if (carry.length > 0) emit(carry);
  return count;
}
