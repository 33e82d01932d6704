{{/* The release's name prefix: "mpdflow" for a release of that name (deploy/base). */}}
{{- define "mpdflow.name" -}}{{ .Release.Name }}{{- end -}}

{{/* The ClusterRole a cluster's engines are bound to (the worker is told its name). */}}
{{- define "mpdflow.engineRole" -}}{{ .Release.Name }}-{{ .Release.Namespace }}-engine{{- end -}}

{{- define "mpdflow.image" -}}{{ .repository }}:{{ .tag }}{{- end -}}

{{/* Refuses a release with neither namespaces to watch nor cluster-wide rights asked for. */}}
{{- define "mpdflow.checkScope" -}}
{{- if and (not .Values.watchNamespaces) (not .Values.rbac.clusterWide) -}}
{{- fail "watchNamespaces is empty: set the namespaces mpdflow runs clusters in (least privilege), or rbac.clusterWide=true for every namespace" -}}
{{- end -}}
{{- if and .Values.watchNamespaces .Values.rbac.clusterWide -}}
{{- fail "rbac.clusterWide=true grants every namespace: leave watchNamespaces empty with it, or turn it off" -}}
{{- end -}}
{{- end -}}

{{/* The pod spec both processes share around their container. */}}
{{- define "mpdflow.podCommon" -}}
securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: RuntimeDefault } }
{{- with .Values.hostAliases }}
hostAliases: {{ toJson . }}
{{- end }}
volumes:
  - { name: tmp, emptyDir: { sizeLimit: 256Mi } }
{{- if .Values.temporal.tls.secretName }}
  - { name: temporal-tls, secret: { secretName: {{ .Values.temporal.tls.secretName }} } }
{{- end }}
{{- end -}}

{{/* What both containers share: settings, probes, the security context and the writable /tmp. */}}
{{- define "mpdflow.containerCommon" -}}
envFrom: [{ configMapRef: { name: {{ include "mpdflow.name" . }}-settings } }]
ports: [{ name: ops, containerPort: 8080 }]
# Start-up (the worker bundles its workflow code first) may take minutes on a busy node: liveness waits for it.
startupProbe: { httpGet: { path: /healthz, port: ops }, periodSeconds: 5, failureThreshold: 60 }
livenessProbe: { httpGet: { path: /healthz, port: ops }, periodSeconds: 10 }
readinessProbe: { httpGet: { path: /readyz, port: ops }, periodSeconds: 5 }
securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
volumeMounts:
  - { name: tmp, mountPath: /tmp } # the only writable path (workflow bundles, Node's temp files)
{{- if .Values.temporal.tls.secretName }}
  - { name: temporal-tls, mountPath: /etc/mpdflow/tls, readOnly: true }
{{- end }}
{{- end -}}

{{/* Environment both containers share (TLS paths, extra variables) after their own. */}}
{{- define "mpdflow.envCommon" -}}
- { name: MPDFLOW_ENGINE_CLUSTER_ROLE, value: {{ include "mpdflow.engineRole" . | quote }} }
{{- if .Values.temporal.tls.secretName }}
- { name: TEMPORAL_TLS_CERT, value: /etc/mpdflow/tls/tls.crt }
- { name: TEMPORAL_TLS_KEY, value: /etc/mpdflow/tls/tls.key }
- { name: TEMPORAL_TLS_CA, value: /etc/mpdflow/tls/ca.crt }
{{- with .Values.temporal.tls.serverName }}
- { name: TEMPORAL_TLS_SERVER_NAME, value: {{ . | quote }} }
{{- end }}
{{- end }}
{{- range .Values.extraEnv }}
- {{ toJson . }}
{{- end }}
{{- end -}}
