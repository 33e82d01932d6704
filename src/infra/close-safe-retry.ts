import { Metadata, status, type Interceptor, type NextCall } from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

const channelClosed = 'Channel has been shut down';

/**
 * The SDK's retry interceptor, safe across `Connection.close()`. The SDK retries a failed call from a timer, and
 * close() does not clear that timer: the retry then meets a closed channel, which throws inside the timer, out of
 * any caller's reach, and kills the process (seen as a test failing while the controller stopped after an outage).
 * Here a retry that meets a closed channel ends the call as CANCELLED instead, which its caller sees as a rejection.
 */
export function closeSafeRetryInterceptor(): Interceptor {
  const retry = makeGrpcRetryInterceptor(defaultGrpcRetryOptions());
  return (options, nextCall) => retry(options, closeSafe(nextCall));
}

/** Connection options that every grpc-js Temporal connection of ours carries. */
export function closeSafeInterceptors(): { interceptors: Interceptor[] } {
  return { interceptors: [closeSafeRetryInterceptor()] };
}

function closeSafe(nextCall: NextCall): NextCall {
  return (options) => {
    try {
      return nextCall(options);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== channelClosed) throw error;
      return endedCall(error.message);
    }
  };
}

/** A unary call that never reaches the wire: it ends as soon as it starts, CANCELLED (not retried) with `details`. */
function endedCall(details: string): ReturnType<NextCall> {
  return {
    start(_metadata, listener) {
      // Asynchronously, as a real call ends: the caller finishes starting it first. Temporal's calls are unary, and a
      // unary call that ends without an answer hands on a null message before its status (the retry relies on it).
      setImmediate(() => {
        listener?.onReceiveMessage?.(null);
        listener?.onReceiveStatus?.({ code: status.CANCELLED, details, metadata: new Metadata() });
      });
    },
    cancelWithStatus() {},
    getPeer: () => '',
    sendMessageWithContext() {},
    sendMessage() {},
    startRead() {},
    halfClose() {},
    getAuthContext: () => null,
  };
}
