{{/* Chart name, overridable. */}}
{{- define "carehub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name used for every resource (63 characters max, a DNS label). */}}
{{- define "carehub.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "carehub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that never change for a component; call with (dict "ctx" $ "component" "web"). */}}
{{- define "carehub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "carehub.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* All labels; call with (dict "ctx" $ "component" "web"). */}}
{{- define "carehub.labels" -}}
helm.sh/chart: {{ include "carehub.chart" .ctx }}
{{ include "carehub.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{- define "carehub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Environment shared by web, worker, beat and the migrate job: settings from values here, secrets (SECRET_KEY,
DATABASE_URL, REDIS_URL, SENTRY_DSN, TWILIO_*) through carehub.envFrom. Rendered inline in each pod rather
than from a ConfigMap because the migrate hook runs before the chart's own resources exist.
*/}}
{{- define "carehub.envVars" -}}
- name: DEBUG
  value: "0"
- name: CAREHUB_BASE_DOMAIN
  value: {{ required "baseDomain is required (e.g. --set baseDomain=carehub.example.org)" .Values.baseDomain | quote }}
- name: CAREHUB_PUBLIC_SCHEME
  value: {{ .Values.publicScheme | quote }}
- name: CAREHUB_PUBLIC_PORT
  value: {{ .Values.publicPort | quote }}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* Every key of the existing Secret becomes an environment variable. */}}
{{- define "carehub.envFrom" -}}
- secretRef:
    name: {{ required "existingSecret is required: a Secret with SECRET_KEY, DATABASE_URL and REDIS_URL" .Values.existingSecret }}
{{- end }}

{{/* Pod-level settings shared by every workload. */}}
{{- define "carehub.podSettings" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
