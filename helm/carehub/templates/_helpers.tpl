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
app.kubernetes.io/part-of: carehub
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{- define "carehub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "carehub.secretName" -}}
{{- default (printf "%s-secrets" (include "carehub.fullname" .)) .Values.existingSecret }}
{{- end }}

{{/*
Settings reach every container from the ConfigMap and the Secret. Both are hooks created before the migrate hook
(which runs before the chart's ordinary resources exist); the checksum restarts pods when the settings change.
*/}}
{{- define "carehub.envFrom" -}}
- configMapRef:
    name: {{ include "carehub.fullname" . }}-config
- secretRef:
    name: {{ include "carehub.secretName" . }}
{{- end }}

{{/* Pod template metadata: labels, the settings checksum, extra annotations. Call with (dict "ctx" $ "component" "web"). */}}
{{- define "carehub.podMetadata" -}}
labels:
  {{- include "carehub.selectorLabels" . | nindent 2 }}
annotations:
  checksum/config: {{ include (print .ctx.Template.BasePath "/config.yaml") .ctx | sha256sum }}
  {{- with .ctx.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Pod-level settings shared by every workload. */}}
{{- define "carehub.podSettings" -}}
# The application never talks to the Kubernetes API.
automountServiceAccountToken: false
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

{{/* Container fields shared by every workload: image, settings, security context, writable mounts. */}}
{{- define "carehub.containerCommon" -}}
image: {{ include "carehub.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  {{- include "carehub.envFrom" . | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: media
    mountPath: {{ .Values.media.mountPath }}
{{- end }}

{{/* The volumes behind carehub.containerCommon's mounts. */}}
{{- define "carehub.volumes" -}}
- name: tmp
  emptyDir: {}
- name: media
  {{- if .Values.media.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}
