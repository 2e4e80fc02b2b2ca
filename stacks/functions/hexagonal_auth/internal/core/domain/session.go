package domain

import (
    "time"
    "github.com/google/uuid"
)

// Session representa una sesión de autenticación
type Session struct {
    SessionID string    `json:"session_id"`
    UserID    string    `json:"user_id"`
    ExpiresAt time.Time `json:"expires_at"`
    CreatedAt time.Time `json:"created_at"`
    Data      string    `json:"data"`
}

// NewSession crea una sesión con TTL
func NewSession(userID string, ttl time.Duration) *Session {
    now := time.Now()
    return &Session{
        SessionID: uuid.New().String(),
        UserID:    userID,
        CreatedAt: now,
        ExpiresAt: now.Add(ttl),
        Data:      "{}",
    }
}

// IsValid verifica campos requeridos
func (s *Session) IsValid() bool {
    return s.SessionID != "" &&
        s.UserID != "" &&
        !s.ExpiresAt.IsZero()
}

// ExpiresAtUnix retorna Unix timestamp para DynamoDB TTL
func (s *Session) ExpiresAtUnix() int64 {
    return s.ExpiresAt.Unix()
}
