{{/* Name of this tier's objects: the release name (one release per store, region or cloud). */}}
{{- define "edge.name" -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "edge.labels" -}}
app.kubernetes.io/name: orleans-edge
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.silo.tier }}
{{- end -}}

{{- define "edge.selector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.silo.tier }}
{{- end -}}

{{- define "edge.redis" -}}
{{- if .Values.redis.external -}}{{ .Values.redis.external }}{{- else -}}{{ include "edge.name" . }}-redis:6379{{- end -}}
{{- end -}}

{{- define "edge.dashboardSecret" -}}
{{- if .Values.dashboard.existingSecret -}}{{ .Values.dashboard.existingSecret }}{{- else -}}{{ include "edge.name" . }}-dashboard{{- end -}}
{{- end -}}
