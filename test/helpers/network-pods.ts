/** Small pods for network tests, from the local busybox images: an HTTP server that names itself, and a client. */
import { connect } from 'node:net';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { localImages } from '../../src/infra/local-images';

const busyboxResources = { requests: { cpu: '5m', memory: '8Mi' }, limits: { memory: '32Mi' } };

/** busybox httpd on :8080 answering `/` with the pod's name; Ready once it listens. */
export function webPod(name: string, labels: Record<string, string>, nodeName?: string): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'web',
          image: localImages.pause,
          imagePullPolicy: 'Never',
          command: ['/bin/sh', '-c', `mkdir -p /tmp/www && echo ${name} >/tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www`],
          ports: [{ containerPort: 8080, name: 'http' }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
          resources: busyboxResources,
        },
      ],
    },
  };
}

/** A pod that only sleeps: tests exec busybox's nslookup, wget and nc in it. */
export function clientPod(name: string, nodeName?: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'client', image: localImages.pause, imagePullPolicy: 'Never', resources: busyboxResources }],
    },
  };
}

export function httpService(name: string, selector: Record<string, string>): V1Service {
  return { metadata: { name }, spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

/** Whether a TCP connection to host:port opens within the time given. */
export function tcpOpens(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((answer) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      answer(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
